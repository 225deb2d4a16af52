import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { CircuitBreaker } from '@herald/breaker';
import { insertAlerts, type ClaimedAlert, type Database } from '@herald/db';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { createSendHandler } from './handler.ts';
import { SmtpTransport } from './transports/smtp.ts';
import { startTestSmtpServer } from './transports/smtp-test-server.ts';

const logger = createSilentLogger();
const context = { logger, signal: new AbortController().signal };

function email(to: string) {
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

/** An alert in `sending` with one pending delivery per receiver address. */
async function alertWithDeliveries(db: Database, receivers: Record<string, string>): Promise<ClaimedAlert> {
  const [ref] = await insertAlerts(db, [{ identityKey: randomUUID(), body: {} }], { service: 't', replica: 't' });
  for (const [receiver, address] of Object.entries(receivers)) {
    await db.pool.query(
      `INSERT INTO deliveries (id, alert_id, receiver, channel, message_key, rendered)
       VALUES ($1, $2, $3, 'email', $4, $5)`,
      [randomUUID(), ref!.id, receiver, `<${ref!.id}.${receiver}@herald>`, JSON.stringify(email(address))],
    );
  }
  return { id: ref!.id, claimedFrom: 'formatted', attempt: 1, retries: 0, lastError: null, body: {}, enrichment: null, analysis: null };
}

async function deliveries(db: Database, alertId: string) {
  const { rows } = await db.pool.query(
    `SELECT receiver, status, attempts, receipt, last_error FROM deliveries WHERE alert_id = $1 ORDER BY receiver`,
    [alertId],
  );
  return rows;
}

describe('send handler', () => {
  test('delivers once, stores the receipt, and a redelivered entry sends nothing again', async ({ db }) => {
    const server = await startTestSmtpServer();
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const handler = createSendHandler({ db, transport, guard: new CircuitBreaker({ name: 'smtp' }), logger, concurrency: 4 });
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });

    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);
    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);

    expect(server.received).toHaveLength(1);
    expect(server.received[0]!.raw).toContain(`Message-ID: <${alert.id}.soc@herald>`);
    const [row] = await deliveries(db, alert.id);
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, receipt: { transport: 'smtp', messageId: `<${alert.id}.soc@herald>` } });
    await transport.close();
    await server.close();
  });

  test('one receiver refused for good: the alert fails naming it, and the other is not sent again', async ({ db }) => {
    const server = await startTestSmtpServer({
      onRcptTo: (address) => (address === 'gone@example.com' ? { responseCode: 550, message: 'mailbox unavailable' } : undefined),
    });
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const handler = createSendHandler({ db, transport, guard: new CircuitBreaker({ name: 'smtp' }), logger, concurrency: 4 });
    const alert = await alertWithDeliveries(db, { ops: 'ops@example.com', gone: 'gone@example.com' });

    const [first] = await handler.process([alert], context);
    expect(first).toMatchObject({ kind: 'fail', id: alert.id });
    expect(first?.kind === 'fail' && first.error).toMatch(/^failed receivers: gone: .*550/);
    const [second] = await handler.process([alert], context);
    expect(second).toMatchObject({ kind: 'fail' });

    expect(server.received.filter((m) => m.to.includes('ops@example.com'))).toHaveLength(1);
    expect(await deliveries(db, alert.id)).toMatchObject([
      { receiver: 'gone', status: 'failed', attempts: 1 },
      { receiver: 'ops', status: 'delivered', attempts: 1 },
    ]);
    await transport.close();
    await server.close();
  });

  test('a temporary refusal is retried later, with the delivery back to pending', async ({ db }) => {
    let refuse = true;
    const server = await startTestSmtpServer({
      onRcptTo: () => (refuse ? { responseCode: 451, message: 'try again later' } : undefined),
    });
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const handler = createSendHandler({ db, transport, guard: new CircuitBreaker({ name: 'smtp' }), logger, concurrency: 4 });
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });

    const [first] = await handler.process([alert], context);
    expect(first).toMatchObject({ kind: 'retry' });
    expect(await deliveries(db, alert.id)).toMatchObject([{ status: 'pending', attempts: 1, last_error: expect.stringContaining('451') }]);

    refuse = false;
    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);
    expect(server.received).toHaveLength(1);
    expect(await deliveries(db, alert.id)).toMatchObject([{ status: 'delivered', attempts: 2 }]);
    await transport.close();
    await server.close();
  });

  test('while the breaker is open the alert is deferred, spending no attempt, and sent once it closes', async ({ db }) => {
    const server = await startTestSmtpServer();
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const breaker = new CircuitBreaker({ name: 'smtp', openMs: 30_000 });
    const handler = createSendHandler({ db, transport, guard: breaker, logger, concurrency: 4 });
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });

    breaker.isolate();
    const [deferred] = await handler.process([alert], context);
    expect(deferred).toMatchObject({ kind: 'defer', id: alert.id, reason: expect.stringContaining('soc:') });
    expect(deferred?.kind === 'defer' && deferred.delayMs).toBeGreaterThan(0);
    expect(server.received).toHaveLength(0);
    expect(await deliveries(db, alert.id)).toMatchObject([{ status: 'pending', attempts: 0 }]);

    breaker.reset();
    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);
    expect(server.received).toHaveLength(1);
    expect(await deliveries(db, alert.id)).toMatchObject([{ status: 'delivered', attempts: 1 }]);
    await transport.close();
    await server.close();
  });

  test('an alert with no formatted deliveries fails with a reason', async ({ db }) => {
    const server = await startTestSmtpServer();
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const handler = createSendHandler({ db, transport, guard: new CircuitBreaker({ name: 'smtp' }), logger, concurrency: 4 });
    const alert = await alertWithDeliveries(db, {});
    expect(await handler.process([alert], context)).toEqual([
      { kind: 'fail', id: alert.id, error: 'no deliveries were formatted for this alert' },
    ]);
    await transport.close();
    await server.close();
  });
});
