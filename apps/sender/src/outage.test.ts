// The whole stage at low volume, with the sender's own breaker defaults: a mail server
// that is down for longer than every retry allows must not end the alert in error.
import { expect } from 'vitest';
import { CircuitBreaker } from '@herald/breaker';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { StageWorker, stageSettingsFromEnv } from '@herald/stage';
import { waitFor } from '@herald/testkit';
import { SenderEnv } from './env.ts';
import { createSendHandler } from './handler.ts';
import { alertWithDeliveries, deliveryRows, viaEmail } from './test-support.ts';
import { SmtpTransport } from './transports/smtp.ts';
import { closedPort, startTestSmtpServer } from './transports/smtp-test-server.ts';

test(
  'a mail outage outlasting every attempt defers the lone alert, which is sent once the server is back',
  { timeout: 30_000 },
  async ({ db, redis }) => {
    const env = SenderEnv.parse({
      DATABASE_URL: 'postgresql://unused@127.0.0.1/unused',
      REDIS_URL: redis.url,
      HERALD_BLOCK_MS: '50',
      HERALD_CLAIM_TIMEOUT_MS: '2000',
      HERALD_RECLAIM_IDLE_MS: '1000',
      HERALD_RECLAIM_INTERVAL_MS: '100',
      HERALD_MAX_DELIVERIES: '2',
      HERALD_MAX_ATTEMPTS: '2',
      HERALD_RETRY_BASE_MS: '10',
      HERALD_RETRY_MAX_MS: '20',
      HERALD_SWEEP_INTERVAL_MS: '50',
      // The sweeper hands the alert out: no stream entry needs publishing by hand.
      HERALD_HANDOFF_GRACE_MS: '0',
      HERALD_DESTINATION_RETRY_MS: '50',
    });
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });
    await db.pool.query(`UPDATE alerts SET state = 'formatted' WHERE id = $1`, [alert.id]);

    const port = await closedPort();
    const transport = new SmtpTransport({ host: '127.0.0.1', port, security: 'none' });
    // The defaults: at one message per try the breaker never sees its 10 calls a window.
    const breaker = new CircuitBreaker({
      name: 'smtp:relay',
      windowMs: env.HERALD_BREAKER_WINDOW_MS,
      minimumCalls: env.HERALD_BREAKER_MIN_CALLS,
      openMs: env.HERALD_BREAKER_OPEN_MS,
    });
    const logger = createSilentLogger();
    const worker = new StageWorker({
      stage: 'send',
      db,
      redis: redis.redis,
      redisUrl: redis.url,
      namespace: redis.namespace,
      actor: { service: 'sender', replica: 's1' },
      settings: stageSettingsFromEnv(env),
      handler: createSendHandler({
        db,
        ...viaEmail(transport, breaker),
        logger,
        concurrency: 8,
        destinationRetryMs: env.HERALD_DESTINATION_RETRY_MS,
      }),
      logger,
    });
    const history = async () =>
      (
        await db.pool.query(
          `SELECT to_state, error, reason FROM alert_transitions WHERE alert_id = $1 ORDER BY id`,
          [alert.id],
        )
      ).rows;

    await worker.start();
    let server: Awaited<ReturnType<typeof startTestSmtpServer>> | undefined;
    try {
      // Twice as many tries as the attempts and deliveries allow, all of them waits.
      const deferrals = env.HERALD_MAX_ATTEMPTS * 2;
      await waitFor(
        'the alert deferred again and again',
        async () =>
          (await history()).filter((row) => row.reason?.startsWith('soc: ')).length >= deferrals,
        { timeoutMs: 15_000 },
      );
      expect(breaker.state).toBe('closed');
      expect(
        (await history()).filter((row) => row.to_state === 'error' || row.error !== null),
      ).toEqual([]);
      expect(await deliveryRows(db, alert.id)).toMatchObject([{ status: 'pending', attempts: 0 }]);

      server = await startTestSmtpServer({ port });
      await waitFor(
        'the alert sent',
        async () =>
          (await db.pool.query(`SELECT state FROM alerts WHERE id = $1`, [alert.id])).rows[0]
            ?.state === 'sent',
        { timeoutMs: 15_000 },
      );
      expect(server.received).toHaveLength(1);
      expect(await deliveryRows(db, alert.id)).toMatchObject([
        { status: 'delivered', attempts: 1 },
      ]);
    } finally {
      await worker.stop();
      await transport.close();
      await server?.close();
    }
  },
);
