// Issue 5's rule: thirty alerts routed to a Slack endpoint that takes one message a second
// and answers 429 with Retry-After otherwise are all delivered once, none lost, none twice,
// and the breaker stays closed. Two sender replicas (each its own breakers, the Redis gate
// shared), the real stage worker, PostgreSQL and Redis; no rate_limit is configured, so
// only the endpoint's 429s and their Retry-After pace the sends.
import { expect } from 'vitest';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { StageWorker, stageSettingsFromEnv } from '@herald/stage';
import { waitFor } from '@herald/testkit';
import { rendered, receiverMap, receiverOf, senderReplica } from './channel-test-support.ts';
import { SenderEnv } from './env.ts';
import { alertWithDeliveries, deliveryRows } from './test-support.ts';
import { startFakeSlack } from './transports/provider-test-servers.ts';

const ALERTS = 30;

test(
  'thirty alerts to a Slack endpoint taking one message a second: each delivered once, the breaker closed',
  { timeout: 120_000 },
  async ({ db, redis }) => {
    const env = SenderEnv.parse({
      DATABASE_URL: 'postgresql://unused@127.0.0.1/unused',
      REDIS_URL: redis.url,
      HERALD_BLOCK_MS: '50',
      HERALD_RECLAIM_INTERVAL_MS: '100',
      HERALD_SWEEP_INTERVAL_MS: '50',
      HERALD_HANDOFF_GRACE_MS: '0', // the sweeper hands the alerts out and back after each wait
    });
    const slack = await startFakeSlack({ intervalMs: 1_000 });
    const receivers = receiverMap(receiverOf.slackWebhook('soc-chat', slack));
    const alerts = [];
    for (let i = 0; i < ALERTS; i++) {
      alerts.push(await alertWithDeliveries(db, { 'soc-chat': rendered.slack(`alert ${i}`) }));
    }
    const ids = alerts.map((alert) => alert.id);
    await db.pool.query(`UPDATE alerts SET state = 'formatted' WHERE id = ANY($1::uuid[])`, [ids]);

    const logger = createSilentLogger();
    // The sender's own breaker defaults: ten calls a window would open it at half failing.
    const breaker = {
      minimumCalls: env.HERALD_BREAKER_MIN_CALLS,
      openMs: env.HERALD_BREAKER_OPEN_MS,
    };
    const replicas = ['s1', 's2'].map((replica) => {
      const { handler, breakers } = senderReplica({ db, redis, receivers, breaker });
      const worker = new StageWorker({
        stage: 'send',
        db,
        redis: redis.redis,
        redisUrl: redis.url,
        namespace: redis.namespace,
        actor: { service: 'sender', replica },
        settings: stageSettingsFromEnv(env),
        handler,
        logger,
      });
      return { worker, breakers };
    });

    await Promise.all(replicas.map((r) => r.worker.start()));
    try {
      await waitFor(
        'every alert sent',
        async () =>
          (
            await db.pool.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM alerts WHERE id = ANY($1::uuid[]) AND state = 'sent'`,
              [ids],
            )
          ).rows[0]!.n === ALERTS,
        { timeoutMs: 100_000, intervalMs: 100 },
      );
    } finally {
      await Promise.all(replicas.map((r) => r.worker.stop()));
      await slack.close();
    }

    // Once each, none lost, none twice.
    const texts = slack.posted.map((message) => message.text);
    expect(texts.toSorted()).toEqual(alerts.map((_, i) => `alert ${i}`).toSorted());
    // The endpoint's limit was met (every request beyond the thirty was answered 429), and
    // those 429s cost no attempt and no breaker failure on either replica.
    expect(slack.requests.length).toBeGreaterThan(ALERTS);
    for (const id of ids) {
      expect(await deliveryRows(db, id)).toMatchObject([{ status: 'delivered', attempts: 1 }]);
    }
    for (const { breakers } of replicas) {
      expect(breakers.get('slack:soc-chat').snapshot()).toMatchObject({
        state: 'closed',
        failureRate: 0,
      });
    }
    const errors = await db.pool.query(
      `SELECT count(*)::int AS n FROM alert_transitions WHERE alert_id = ANY($1::uuid[]) AND (to_state = 'error' OR error IS NOT NULL)`,
      [ids],
    );
    expect(errors.rows[0].n).toBe(0);
  },
);
