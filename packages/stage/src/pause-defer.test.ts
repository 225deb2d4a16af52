import { describe, expect } from 'vitest';
import { isBrokenCircuitError } from '@herald/breaker';
import { insertAlerts, type AttemptResult } from '@herald/db';
import { test } from '@herald/db/testing';
import { createMetricsRegistry, createSilentLogger } from '@herald/runtime';
import { pauseDestination, publish, resumeDestination, streamKey } from '@herald/streams';
import { waitFor } from '@herald/testkit';
import { BreakerSync } from './breaker-sync.ts';
import { createBreakerRegistry } from './breakers.ts';
import { StageWorker } from './worker.ts';

describe('a paused destination', () => {
  test('defers its work with no attempt spent until an operator resumes it, then the work goes out once', async ({
    db,
    redis: { redis, namespace, url },
  }) => {
    const logger = createSilentLogger();
    const sync = new BreakerSync({
      redis,
      namespace,
      replica: 'w1',
      service: 'enricher',
      heartbeatMs: 60_000,
      logger,
    });
    // openMs is the re-check interval of a paused (isolated) breaker: the deferral's delay.
    const breakers = createBreakerRegistry(
      logger,
      createMetricsRegistry('enricher'),
      { openMs: 100 },
      sync,
    );
    let refused = 0;
    let called = 0;
    // What a stage handler does with a destination behind a breaker (as the sender does).
    const worker = new StageWorker({
      stage: 'enrich',
      db,
      redis,
      redisUrl: url,
      namespace,
      actor: { service: 'enricher', replica: 'w1' },
      settings: {
        batchSize: 10,
        blockMs: 100,
        claimTimeoutMs: 2_000,
        handlerTimeoutMs: 5_000,
        reclaimIdleMs: 60_000,
        reclaimIntervalMs: 60_000,
        maxDeliveries: 3,
        maxAttempts: 2,
        retryBaseMs: 20,
        retryMaxMs: 100,
        sweepIntervalMs: 50,
        handoffGraceMs: 300,
        sweepLimit: 100,
      },
      handler: {
        async process(alerts) {
          const results: AttemptResult[] = [];
          for (const alert of alerts) {
            try {
              await breakers.get('wazuh-api').execute(async () => (called += 1));
              results.push({ kind: 'done', id: alert.id });
            } catch (err) {
              if (!isBrokenCircuitError(err)) throw err;
              refused += 1;
              results.push({
                kind: 'defer',
                id: alert.id,
                delayMs: err.retryAfterMs,
                reason: err.message,
              });
            }
          }
          return results;
        },
      },
      logger,
    });
    await sync.start();
    await worker.start();
    try {
      await pauseDestination(redis, namespace, 'wazuh-api', { by: 'test', now: Date.now() });
      await waitFor('the pause applied', () => breakers.paused().length === 1);
      const [ref] = await insertAlerts(db, [{ identityKey: 'k', body: {} }], {
        service: 'ingest-api',
        replica: 'i',
      });
      await publish(redis, streamKey(namespace, 'enrich'), [{ alertId: ref!.id, attempt: 0 }]);

      // More refusals than maxAttempts (2): deferrals spend no attempt, so it never fails.
      await waitFor('deferred several times', () => refused >= 4, { timeoutMs: 15_000 });
      const held = await db.pool.query<{ state: string; attempt: number }>(
        'SELECT state, attempt FROM alerts',
      );
      expect(held.rows[0]!.state).not.toBe('error');
      expect(held.rows[0]!.attempt).toBeLessThanOrEqual(1);
      expect(called).toBe(0);

      await resumeDestination(redis, namespace, 'wazuh-api');
      await waitFor(
        'enriched after the resume',
        async () => {
          const { rows } = await db.pool.query<{ state: string }>('SELECT state FROM alerts');
          return rows[0]!.state === 'enriched';
        },
        { timeoutMs: 15_000 },
      );
      expect(called).toBe(1);
    } finally {
      await worker.stop();
      await sync.stop();
    }
  }, 40_000);
});
