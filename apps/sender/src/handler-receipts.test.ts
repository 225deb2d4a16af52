import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { createSendHandler } from './handler.ts';
import {
  alertWithDeliveries,
  captureLogs,
  deliveryRows,
  FAST_RECEIPTS as FAST,
  handlerContext as context,
  viaEmail,
} from './test-support.ts';
import { SmtpTransport } from './transports/smtp.ts';
import { startTestSmtpServer } from './transports/smtp-test-server.ts';
import type { EmailTransport } from './transports/types.ts';

/**
 * Makes the UPDATE that records a receipt fail, as a dropped connection would: the first
 * `times` of them (every one for Infinity). A real fault in the real database.
 */
async function failReceiptWrites(
  db: { pool: { query(sql: string): Promise<unknown> } },
  times: number,
) {
  await db.pool.query(`CREATE SEQUENCE IF NOT EXISTS receipt_faults`);
  await db.pool
    .query(`CREATE OR REPLACE FUNCTION fail_receipt() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('receipt_faults') <= ${Number.isFinite(times) ? times : 2_147_483_647} THEN
        RAISE EXCEPTION 'simulated: terminating connection due to administrator command';
      END IF;
      RETURN NEW;
    END $$`);
  await db.pool.query(`CREATE TRIGGER fail_receipt BEFORE UPDATE ON deliveries FOR EACH ROW
    WHEN (NEW.status = 'delivered') EXECUTE FUNCTION fail_receipt()`);
  return () => db.pool.query(`DROP TRIGGER fail_receipt ON deliveries`);
}

describe('send handler, after the message went out', () => {
  test('a receipt write that fails once is retried: delivered, and sent only once', async ({
    db,
  }) => {
    const server = await startTestSmtpServer();
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const logs = captureLogs();
    const handler = createSendHandler({
      db,
      ...viaEmail(transport),
      logger: logs.logger,
      ...FAST,
    });
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });
    await failReceiptWrites(db, 1);

    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);
    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);

    expect(server.received).toHaveLength(1);
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { status: 'delivered', attempts: 1, receipt: { messageId: `<${alert.id}.soc@herald>` } },
    ]);
    expect(logs.lines.filter((line) => line.level === 'error')).toEqual([]);
    await transport.close();
    await server.close();
  });

  test('a receipt that cannot be recorded keeps the delivery sending, logs the receipt, and the alert retries', async ({
    db,
  }) => {
    const server = await startTestSmtpServer();
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const logs = captureLogs();
    const handler = createSendHandler({
      db,
      ...viaEmail(transport),
      logger: logs.logger,
      ...FAST,
    });
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });
    const repair = await failReceiptWrites(db, Infinity);

    const [first] = await handler.process([alert], context);
    expect(first).toEqual({
      kind: 'retry',
      id: alert.id,
      error: expect.stringMatching(/^soc: sent, but the receipt was not recorded: simulated/),
    });
    // Never back to pending: the row says the message may have gone out.
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { status: 'sending', attempts: 1, receipt: null },
    ]);
    const line = await logs.waitFor('message sent, but its receipt was not recorded');
    expect(line).toMatchObject({
      level: 'error',
      alertId: alert.id,
      receiver: 'soc',
      receipt: {
        transport: 'smtp',
        messageId: `<${alert.id}.soc@herald>`,
        accepted: ['soc@example.com'],
      },
    });
    expect(JSON.stringify(line)).not.toContain('text body');

    // The next attempt resends the same message: a resent copy, not a new message.
    await repair();
    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);
    expect(server.received).toHaveLength(2);
    expect(server.received.map((m) => /^Message-ID: (.*)$/m.exec(m.raw)?.[1]?.trim())).toEqual([
      `<${alert.id}.soc@herald>`,
      `<${alert.id}.soc@herald>`,
    ]);
    expect(await deliveryRows(db, alert.id)).toMatchObject([{ status: 'delivered', attempts: 2 }]);
    await transport.close();
    await server.close();
  });

  test('recipients partly refused: delivered, the refused ones in the receipt, and a warning with the count', async ({
    db,
  }) => {
    const server = await startTestSmtpServer({
      onRcptTo: (address) =>
        address === 'gone@example.com' ? { responseCode: 550, message: 'no such user' } : undefined,
    });
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const logs = captureLogs();
    const handler = createSendHandler({
      db,
      ...viaEmail(transport),
      logger: logs.logger,
      ...FAST,
    });
    const rendered = {
      channel: 'email',
      from: 'herald@example.com',
      to: ['soc@example.com', 'gone@example.com'],
      subject: 's',
      text: 't',
      html: '<p>h</p>',
      headers: {},
    };
    const alert = await alertWithDeliveries(db, { soc: rendered });

    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      {
        status: 'delivered',
        receipt: { accepted: ['soc@example.com'], rejected: ['gone@example.com'] },
      },
    ]);
    expect(await logs.waitFor('message delivered, some recipients refused')).toMatchObject({
      level: 'warn',
      alertId: alert.id,
      receiver: 'soc',
      rejectedCount: 1,
    });
    await transport.close();
    await server.close();
  });
});

describe('send handler, a replica that lost its claim', () => {
  test.for([
    ['451', 451],
    ['550', 550],
  ] as const)(
    'a late %s never undoes a delivery another replica recorded',
    async ([, responseCode], { db }) => {
      const server = await startTestSmtpServer({
        onRcptTo: () => ({ responseCode, message: 'no' }),
      });
      const real = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
      const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });
      // While this replica's send is on the wire, the replica that took the alert over
      // delivers the message and records its receipt.
      const overtaken: EmailTransport = {
        async send(message, signal) {
          await db.pool.query(
            `UPDATE deliveries SET status = 'delivered', receipt = '{"by":"other replica"}' WHERE alert_id = $1`,
            [alert.id],
          );
          return real.send(message, signal);
        },
        close: () => real.close(),
      };
      const handler = createSendHandler({
        db,
        ...viaEmail(overtaken),
        logger: createSilentLogger(),
        ...FAST,
      });

      const [result] = await handler.process([alert], context);
      expect(result).toEqual({
        kind: 'retry',
        id: alert.id,
        error: 'soc: delivery changed under us',
      });
      expect(await deliveryRows(db, alert.id)).toMatchObject([
        { status: 'delivered', receipt: { by: 'other replica' }, last_error: null },
      ]);
      await real.close();
      await server.close();
    },
  );

  test('a late receipt does not overwrite a delivery that is no longer sending', async ({ db }) => {
    const server = await startTestSmtpServer();
    const real = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });
    const overtaken: EmailTransport = {
      async send(message, signal) {
        const receipt = await real.send(message, signal);
        await db.pool.query(
          `UPDATE deliveries SET status = 'failed', last_error = 'given up' WHERE alert_id = $1`,
          [alert.id],
        );
        return receipt;
      },
      close: () => real.close(),
    };
    const logs = captureLogs();
    const handler = createSendHandler({
      db,
      ...viaEmail(overtaken),
      logger: logs.logger,
      ...FAST,
    });

    expect(await handler.process([alert], context)).toEqual([
      { kind: 'retry', id: alert.id, error: 'soc: delivery changed under us' },
    ]);
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { status: 'failed', receipt: null, last_error: 'given up' },
    ]);
    expect(await logs.waitFor('message sent, but its delivery changed under us')).toMatchObject({
      level: 'warn',
      status: 'failed',
      receipt: { messageId: `<${alert.id}.soc@herald>` },
    });
    await real.close();
    await server.close();
  });
});
