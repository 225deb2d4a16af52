// Test helpers (imported only by *.test.ts): alerts with deliveries in a real PostgreSQL,
// and a logger whose lines a test can read.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { CircuitBreaker } from '@herald/breaker';
import { insertAlerts, type ClaimedAlert, type Database } from '@herald/db';
import { createLogger, createSilentLogger, type Logger } from '@herald/runtime';
import { createDestinations } from './destinations.ts';
import type { CallGuard } from './handler.ts';
import type { EmailTransport } from './transports/types.ts';

/**
 * Handler options that send every email through `transport`, behind one breaker (a fresh
 * one unless given), as the email-only sender did.
 */
export function viaEmail(
  transport: EmailTransport,
  breaker: CallGuard = new CircuitBreaker({ name: 'smtp' }),
) {
  return {
    destinations: createDestinations({ email: { transport, name: 'smtp' } }),
    breakers: { get: () => breaker },
  };
}

/** A rendered email to one address, as the formatter stores it. */
export function renderedEmail(to: string) {
  return {
    channel: 'email',
    from: 'Herald <herald@example.com>',
    to: [to],
    subject: '[Herald HIGH] test',
    text: 'text body',
    html: '<p>html body</p>',
    headers: { 'X-Herald-Alert-Id': 'x' },
  };
}

/**
 * An alert claimed in `sending`, with one pending delivery per receiver: the value is the
 * address, or the rendered message itself (its `channel` names the delivery's channel).
 */
export async function alertWithDeliveries(
  db: Database,
  receivers: Record<string, string | object>,
): Promise<ClaimedAlert> {
  const [ref] = await insertAlerts(db, [{ identityKey: randomUUID(), body: {} }], {
    service: 't',
    replica: 't',
  });
  const alertId = ref!.id;
  for (const [receiver, value] of Object.entries(receivers)) {
    const rendered = typeof value === 'string' ? renderedEmail(value) : value;
    const channel = (rendered as { channel?: unknown }).channel;
    await db.pool.query(
      `INSERT INTO deliveries (id, alert_id, receiver, channel, message_key, rendered)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        randomUUID(),
        alertId,
        receiver,
        typeof channel === 'string' ? channel : 'email',
        `<${alertId}.${receiver}@herald>`,
        JSON.stringify(rendered),
      ],
    );
  }
  return {
    id: alertId,
    claimedFrom: 'formatted',
    attempt: 1,
    retries: 0,
    lastError: null,
    body: {},
    enrichment: null,
    analysis: null,
  };
}

/** The alert's deliveries, by receiver. */
export async function deliveryRows(db: Database, alertId: string) {
  const { rows } = await db.pool.query(
    `SELECT id, receiver, status, attempts, receipt, last_error FROM deliveries WHERE alert_id = $1 ORDER BY receiver`,
    [alertId],
  );
  return rows;
}

export type LogLine = Record<string, unknown> & { level: string; msg: string };

export interface CapturedLogs {
  logger: Logger;
  lines: LogLine[];
  /** Resolves with the first line (already written or to come) with message `msg`. */
  waitFor(msg: string): Promise<LogLine>;
}

/** A real pino logger (redaction included) writing JSON lines into memory. */
export function captureLogs(): CapturedLogs {
  const lines: LogLine[] = [];
  const waiting: { msg: string; resolve: (line: LogLine) => void }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        for (const waiter of waiting.filter((w) => w.msg === line.msg)) {
          waiting.splice(waiting.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
      callback();
    },
  });
  return {
    logger: createLogger({ service: 'sender', replica: 'test', level: 'debug', destination }),
    lines,
    waitFor: (msg) => {
      const line = lines.find((l) => l.msg === msg);
      return line
        ? Promise.resolve(line)
        : new Promise((resolve) => waiting.push({ msg, resolve }));
    },
  };
}

/** The handler's context in tests: a silent logger, a signal nobody aborts. */
export const handlerContext = {
  logger: createSilentLogger(),
  signal: new AbortController().signal,
};

/** Handler options for the receipt tests: 4 lanes, and receipt retries in milliseconds. */
export const FAST_RECEIPTS = {
  concurrency: 4,
  destinationRetryMs: 1_000,
  receiptRetryDelayMs: 1,
  receiptWriteBudgetMs: 50,
};
