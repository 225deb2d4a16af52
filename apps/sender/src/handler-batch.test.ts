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

// The send handler's batch as a whole: lanes that throw, the statements a batch costs.

describe('send handler, a delivery that throws', () => {
  test('the batch is answered only once every other send has finished', async ({ db }) => {
    const server = await startTestSmtpServer();
    const real = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const alert = await alertWithDeliveries(db, { a: 'a@example.com', b: 'b@example.com' });
    // `a` cannot be sent as rendered, and recording that fails in the database: an
    // unexpected throw in its lane.
    await db.pool.query(`UPDATE deliveries SET rendered = '{}' WHERE receiver = 'a'`);
    await db.pool.query(`CREATE FUNCTION fail_a() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'simulated: could not fail a'; END $$`);
    await db.pool.query(`CREATE TRIGGER fail_a BEFORE UPDATE ON deliveries FOR EACH ROW
      WHEN (NEW.receiver = 'a' AND NEW.status = 'failed') EXECUTE FUNCTION fail_a()`);
    const logs = captureLogs();
    let released!: () => void;
    const release = new Promise<void>((resolve) => (released = resolve));
    let bSent = false;
    // `b` is held on the wire until `a`'s failure has been handled (or the batch answered).
    const held: EmailTransport = {
      async send(message, signal) {
        await release;
        const receipt = await real.send(message, signal);
        bSent = true;
        return receipt;
      },
      close: () => real.close(),
    };
    const handler = createSendHandler({
      db,
      ...viaEmail(held),
      logger: logs.logger,
      ...FAST,
    });

    const answered = handler.process([alert], context).then(
      (results) => ({ results, bSent }),
      (err: unknown) => ({ err, bSent }),
    );
    void Promise.race([logs.waitFor('delivery failed unexpectedly'), answered]).then(released);

    expect(await answered).toEqual({
      results: [{ kind: 'retry', id: alert.id, error: 'a: simulated: could not fail a' }],
      bSent: true,
    });
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { receiver: 'a', status: 'sending', attempts: 1 },
      { receiver: 'b', status: 'delivered', attempts: 1 },
    ]);
    expect(await logs.waitFor('delivery failed unexpectedly')).toMatchObject({
      level: 'error',
      receiver: 'a',
    });
    await real.close();
    await server.close();
  });

  test('when the batch cannot be marked sending, nothing is sent and the batch fails whole', async ({
    db,
  }) => {
    const server = await startTestSmtpServer();
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const alert = await alertWithDeliveries(db, { a: 'a@example.com', b: 'b@example.com' });
    await db.pool.query(`CREATE FUNCTION fail_marks() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'simulated: database went away'; END $$`);
    await db.pool.query(`CREATE TRIGGER fail_marks BEFORE UPDATE ON deliveries FOR EACH ROW
      WHEN (NEW.status = 'sending') EXECUTE FUNCTION fail_marks()`);
    const handler = createSendHandler({
      db,
      ...viaEmail(transport),
      logger: createSilentLogger(),
      ...FAST,
    });

    await expect(handler.process([alert], context)).rejects.toThrow('database went away');
    expect(server.received).toHaveLength(0);
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { receiver: 'a', status: 'pending', attempts: 0 },
      { receiver: 'b', status: 'pending', attempts: 0 },
    ]);
    await transport.close();
    await server.close();
  });

  test('a batch marks its deliveries in one statement, and receipts that arrive together share one', async ({
    db,
  }) => {
    // Counts UPDATE statements on deliveries (not rows): what the sender costs PostgreSQL.
    await db.pool.query(`CREATE TABLE update_statements (n int)`);
    await db.pool.query(`CREATE FUNCTION count_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO update_statements VALUES (1); RETURN NULL; END $$`);
    await db.pool.query(`CREATE TRIGGER count_update AFTER UPDATE ON deliveries
      FOR EACH STATEMENT EXECUTE FUNCTION count_update()`);
    const alerts = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        alertWithDeliveries(db, { [`r${i}`]: `r${i}@example.com` }),
      ),
    );
    // Every send waits until all ten are on the wire, then all return at once.
    let arrived = 0;
    const allArrived = Promise.withResolvers<void>();
    const together: EmailTransport = {
      async send(message) {
        arrived += 1;
        if (arrived === 10) allArrived.resolve();
        await allArrived.promise;
        return {
          transport: 'smtp',
          messageId: message.messageId,
          response: '250 ok',
          acceptedAt: new Date().toISOString(),
        };
      },
      close: async () => {},
    };
    const handler = createSendHandler({
      db,
      ...viaEmail(together),
      logger: createSilentLogger(),
      ...FAST,
      concurrency: 10,
    });

    const results = await handler.process(alerts, context);

    expect(results.every((result) => result.kind === 'done')).toBe(true);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM update_statements`);
    // One to mark all ten sending; the first receipt alone, the nine that came meanwhile in one.
    expect(rows[0].n).toBe(3);
    const delivered = await db.pool.query(
      `SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered'`,
    );
    expect(delivered.rows[0].n).toBe(10);
  });

  test('an unsendable delivery whose row changed meanwhile is not reported failed', async ({
    db,
  }) => {
    const server = await startTestSmtpServer();
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none' });
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });
    await db.pool.query(`UPDATE deliveries SET rendered = '{}'`);
    // The failure's UPDATE finds nothing to change, as when another replica took the row.
    await db.pool.query(`CREATE FUNCTION skip_fail() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RETURN NULL; END $$`);
    await db.pool.query(`CREATE TRIGGER skip_fail BEFORE UPDATE ON deliveries FOR EACH ROW
      WHEN (NEW.status = 'failed') EXECUTE FUNCTION skip_fail()`);
    const handler = createSendHandler({
      db,
      ...viaEmail(transport),
      logger: createSilentLogger(),
      ...FAST,
    });

    expect(await handler.process([alert], context)).toEqual([
      { kind: 'retry', id: alert.id, error: 'soc: delivery changed under us' },
    ]);
    await transport.close();
    await server.close();
  });
});
