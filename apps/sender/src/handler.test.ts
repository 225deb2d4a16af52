import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { CircuitBreaker } from '@herald/breaker';
import type { Database } from '@herald/db';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { createTestCertificates, type TestCertificates } from '@herald/testkit';
import { createSendHandler, type CallGuard, type SendHandlerOptions } from './handler.ts';
import { alertWithDeliveries, deliveryRows, viaEmail } from './test-support.ts';
import { MailboxTransport } from './transports/mailbox.ts';
import { SmtpTransport, type SmtpTransportOptions } from './transports/smtp.ts';
import {
  closedPort,
  startSilentServer,
  startTestSmtpServer,
} from './transports/smtp-test-server.ts';
import type { EmailTransport } from './transports/types.ts';

const logger = createSilentLogger();
const context = { logger, signal: new AbortController().signal };
const DESTINATION_RETRY_MS = 1_234;
const FAST_TIMEOUTS = {
  connectionTimeoutMs: 2_000,
  greetingTimeoutMs: 300,
  socketTimeoutMs: 2_000,
};

let cert: TestCertificates;

beforeAll(() => {
  cert = createTestCertificates();
});

afterAll(async () => {
  await rm(cert.dir, { recursive: true, force: true });
});

/** The handler under test, with the test's defaults: a fresh breaker, 4 lanes. */
function handlerFor(
  db: Database,
  transport: EmailTransport,
  overrides: { guard?: CallGuard } & Partial<Pick<SendHandlerOptions, 'concurrency'>> = {},
) {
  const { guard, ...rest } = overrides;
  return createSendHandler({
    db,
    ...viaEmail(transport, guard),
    logger,
    concurrency: 4,
    destinationRetryMs: DESTINATION_RETRY_MS,
    ...rest,
  });
}

function smtpTo(port: number, options: Partial<SmtpTransportOptions> = {}): SmtpTransport {
  return new SmtpTransport({
    host: '127.0.0.1',
    port,
    security: 'none',
    ...FAST_TIMEOUTS,
    ...options,
  });
}

describe('send handler', () => {
  test('delivers once, stores the receipt, and a redelivered entry sends nothing again', async ({
    db,
  }) => {
    const server = await startTestSmtpServer();
    const transport = smtpTo(server.port);
    const handler = handlerFor(db, transport);
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });

    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);
    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);

    expect(server.received).toHaveLength(1);
    expect(server.received[0]!.raw).toContain(`Message-ID: <${alert.id}.soc@herald>`);
    const [row] = await deliveryRows(db, alert.id);
    expect(row).toMatchObject({
      status: 'delivered',
      attempts: 1,
      receipt: { transport: 'smtp', messageId: `<${alert.id}.soc@herald>` },
    });
    await transport.close();
    await server.close();
  });

  test('one receiver refused for good: the alert fails naming it, and the other is not sent again', async ({
    db,
  }) => {
    const server = await startTestSmtpServer({
      onRcptTo: (address) =>
        address === 'gone@example.com'
          ? { responseCode: 550, message: 'mailbox unavailable' }
          : undefined,
    });
    const transport = smtpTo(server.port);
    const handler = handlerFor(db, transport);
    const alert = await alertWithDeliveries(db, {
      ops: 'ops@example.com',
      gone: 'gone@example.com',
    });

    const [first] = await handler.process([alert], context);
    expect(first).toMatchObject({ kind: 'fail', id: alert.id });
    expect(first?.kind === 'fail' && first.error).toMatch(/^failed receivers: gone: .*550/);
    const [second] = await handler.process([alert], context);
    expect(second).toMatchObject({ kind: 'fail' });

    expect(server.received.filter((m) => m.to.includes('ops@example.com'))).toHaveLength(1);
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { receiver: 'gone', status: 'failed', attempts: 1 },
      { receiver: 'ops', status: 'delivered', attempts: 1 },
    ]);
    await transport.close();
    await server.close();
  });

  test('a temporary refusal is retried later, with the delivery back to pending', async ({
    db,
  }) => {
    let refuse = true;
    const server = await startTestSmtpServer({
      onRcptTo: () => (refuse ? { responseCode: 451, message: 'try again later' } : undefined),
    });
    const transport = smtpTo(server.port);
    const handler = handlerFor(db, transport);
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });

    const [first] = await handler.process([alert], context);
    expect(first).toMatchObject({ kind: 'retry' });
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { status: 'pending', attempts: 1, last_error: expect.stringContaining('451') },
    ]);

    refuse = false;
    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);
    expect(server.received).toHaveLength(1);
    expect(await deliveryRows(db, alert.id)).toMatchObject([{ status: 'delivered', attempts: 2 }]);
    await transport.close();
    await server.close();
  });

  test('while the breaker is open the alert is deferred, spending no attempt, and sent once it closes', async ({
    db,
  }) => {
    const server = await startTestSmtpServer();
    const transport = smtpTo(server.port);
    const breaker = new CircuitBreaker({ name: 'smtp', openMs: 30_000 });
    const handler = handlerFor(db, transport, { guard: breaker });
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });

    breaker.isolate();
    const [deferred] = await handler.process([alert], context);
    expect(deferred).toMatchObject({
      kind: 'defer',
      id: alert.id,
      reason: expect.stringContaining('soc:'),
    });
    // The breaker's own wait, not the destination retry delay.
    expect(deferred?.kind === 'defer' && deferred.delayMs).toBe(30_000);
    expect(server.received).toHaveLength(0);
    expect(await deliveryRows(db, alert.id)).toMatchObject([{ status: 'pending', attempts: 0 }]);

    breaker.reset();
    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);
    expect(server.received).toHaveLength(1);
    expect(await deliveryRows(db, alert.id)).toMatchObject([{ status: 'delivered', attempts: 1 }]);
    await transport.close();
    await server.close();
  });

  test('an alert with no formatted deliveries fails with a reason', async ({ db }) => {
    const server = await startTestSmtpServer();
    const transport = smtpTo(server.port);
    const handler = handlerFor(db, transport);
    const alert = await alertWithDeliveries(db, {});
    expect(await handler.process([alert], context)).toEqual([
      { kind: 'fail', id: alert.id, error: 'no deliveries were formatted for this alert' },
    ]);
    await transport.close();
    await server.close();
  });

  test('a rendered message that cannot be read fails its delivery for good', async ({ db }) => {
    const server = await startTestSmtpServer();
    const transport = smtpTo(server.port);
    const handler = handlerFor(db, transport);
    const alert = await alertWithDeliveries(db, { soc: { subject: 'no addresses at all' } });

    const [result] = await handler.process([alert], context);
    expect(result).toEqual({
      kind: 'fail',
      id: alert.id,
      error: 'failed receivers: soc: rendered message is unreadable',
    });
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { status: 'failed', last_error: 'rendered message is unreadable' },
    ]);
    expect(server.received).toHaveLength(0);
    await transport.close();
    await server.close();
  });
});

/** A transport to a destination that cannot take any message, and how to tear it down. */
type Outage = () => Promise<{ transport: EmailTransport; stop(): Promise<void> }>;

const outages: [string, Outage][] = [
  [
    'the connection is refused',
    async () => ({ transport: smtpTo(await closedPort()), stop: async () => {} }),
  ],
  [
    'the server never greets',
    async () => {
      const silent = await startSilentServer();
      return { transport: smtpTo(silent.port), stop: () => silent.close() };
    },
  ],
  [
    'its certificate is not trusted',
    async () => {
      const server = await startTestSmtpServer({ secure: true, key: cert.key, cert: cert.cert });
      return { transport: smtpTo(server.port, { security: 'tls' }), stop: () => server.close() };
    },
  ],
  [
    'it refuses the login (535)',
    async () => {
      const server = await startTestSmtpServer({ credentials: { user: 'herald', pass: 'right' } });
      const transport = smtpTo(server.port, { auth: { user: 'herald', pass: 'wrong' } });
      return { transport, stop: () => server.close() };
    },
  ],
  ...(
    [
      [
        'it greets with 421',
        { onConnect: () => ({ responseCode: 421, message: 'closing, try later' }) },
      ],
      [
        'it greets with 554',
        { onConnect: () => ({ responseCode: 554, message: 'no SMTP service here' }) },
      ],
      [
        'it answers RCPT TO with 421',
        { onRcptTo: () => ({ responseCode: 421, message: 'shutting down' }) },
      ],
    ] as const
  ).map(([name, options]): [string, Outage] => [
    name,
    async () => {
      const server = await startTestSmtpServer(options);
      return { transport: smtpTo(server.port), stop: () => server.close() };
    },
  ]),
  [
    'the mailbox folder cannot be written',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'herald-mailbox-'));
      // A file where the folder should be: every write fails, whatever the message.
      await writeFile(join(dir, 'mailbox'), '');
      const transport = new MailboxTransport({ directory: join(dir, 'mailbox') });
      return { transport, stop: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
];

describe('send handler, destination unavailable', () => {
  test.for(outages)(
    '%s: the alert is deferred, no attempt spent, and the breaker counts it',
    async ([, outage], { db }) => {
      const { transport, stop } = await outage();
      const breaker = new CircuitBreaker({ name: 'destination' });
      const handler = handlerFor(db, transport, { guard: breaker });
      const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });
      try {
        const [result] = await handler.process([alert], context);

        expect(result).toEqual({
          kind: 'defer',
          id: alert.id,
          delayMs: DESTINATION_RETRY_MS,
          reason: expect.stringMatching(/^soc: /),
        });
        expect(await deliveryRows(db, alert.id)).toMatchObject([
          { status: 'pending', attempts: 0, last_error: expect.stringMatching(/^soc: /) },
        ]);
        expect(breaker.snapshot()).toMatchObject({ calls: 1, failureRate: 1 });
      } finally {
        await transport.close();
        await stop();
      }
    },
  );

  test('a receiver refused for good and one waiting for the destination: the alert waits', async ({
    db,
  }) => {
    const server = await startTestSmtpServer({
      onRcptTo: (address) =>
        address === 'gone@example.com'
          ? { responseCode: 550, message: 'no such user' }
          : { responseCode: 421, message: 'shutting down' },
    });
    const transport = smtpTo(server.port);
    const handler = handlerFor(db, transport, { concurrency: 1 });
    const alert = await alertWithDeliveries(db, {
      gone: 'gone@example.com',
      soc: 'soc@example.com',
    });

    const [result] = await handler.process([alert], context);
    expect(result).toMatchObject({ kind: 'defer', delayMs: DESTINATION_RETRY_MS });
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { receiver: 'gone', status: 'failed', attempts: 1 },
      { receiver: 'soc', status: 'pending', attempts: 0 },
    ]);
    await transport.close();
    await server.close();
  });
});
