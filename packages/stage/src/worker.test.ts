import { describe, expect } from 'vitest';
import { insertAlerts, type AttemptResult, type ClaimedAlert, type Database } from '@herald/db';
import { test } from '@herald/db/testing';
import { createMetricsRegistry, createSilentLogger } from '@herald/runtime';
import { deadLetterKey, publish, streamKey } from '@herald/streams';
import { waitFor } from '@herald/testkit';
import type { Redis } from 'ioredis';
import type { StageHandler } from './handler.ts';
import { handleBatch } from './batch.ts';
import { createStageMetrics } from './metrics.ts';
import type { StageSettings } from './settings.ts';
import { StageWorker } from './worker.ts';

const settings: StageSettings = {
  batchSize: 50,
  blockMs: 100,
  claimTimeoutMs: 2_000,
  handlerTimeoutMs: 5_000,
  reclaimIdleMs: 150,
  reclaimIntervalMs: 50,
  maxDeliveries: 3,
  maxAttempts: 3,
  retryBaseMs: 20,
  retryMaxMs: 100,
  sweepIntervalMs: 100,
  handoffGraceMs: 300,
  sweepLimit: 100,
};

/** Claims committed before the work, or row locks in the commit's transaction. */
type Mode = 'claims' | 'in-commit';

function worker(
  mode: Mode,
  db: Database,
  redis: { redis: Redis; namespace: string; url: string },
  handler: StageHandler,
  overrides: Partial<StageSettings> = {},
  replica = 'w1',
): StageWorker {
  return new StageWorker({
    stage: 'enrich',
    db,
    redis: redis.redis,
    redisUrl: redis.url,
    namespace: redis.namespace,
    actor: { service: 'enricher', replica },
    settings: { ...settings, ...overrides },
    handler: { ...handler, claimsInCommit: mode === 'in-commit' },
    logger: createSilentLogger(),
    metrics: createStageMetrics(createMetricsRegistry('test'), () => undefined, 'enrich'),
  });
}

async function seed(db: Database, n: number, prefix = 'a'): Promise<string[]> {
  const refs = await insertAlerts(
    db,
    Array.from({ length: n }, (_, i) => ({ identityKey: `${prefix}${i}`, body: { i } })),
    { service: 'ingest-api', replica: 'i' },
  );
  return refs.map((r) => r.id);
}

async function statesOf(db: Database): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM alerts GROUP BY state');
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

const enrichAll: StageHandler = {
  async process(alerts: readonly ClaimedAlert[]): Promise<AttemptResult[]> {
    return alerts.map((a) => ({ kind: 'done', id: a.id, enrichment: { kind: 'agent', agent: {}, sources: ['alert'], missing: [] } }));
  },
};

// Every guarantee of the worker holds in both modes; in-commit.test.ts adds what differs.
describe.each<Mode>(['claims', 'in-commit'])('StageWorker (%s)', (mode) => {
  test('moves published alerts to the output state and hands them to the next stream', async ({ db, redis }) => {
    const ids = await seed(db, 30);
    const w = worker(mode, db, redis, enrichAll);
    await w.start();
    await publish(redis.redis, streamKey(redis.namespace, 'enrich'), ids.map((alertId) => ({ alertId, attempt: 0 })));
    await waitFor('30 enriched alerts', async () => (await statesOf(db)).enriched === 30);
    await w.stop();
    const next = await redis.redis.xrange(streamKey(redis.namespace, 'analyze'), '-', '+');
    expect(next.map(([, fields]) => fields[1]).sort()).toEqual([...ids].sort());
    const pending = await redis.redis.xpending(streamKey(redis.namespace, 'enrich'), 'enrich-workers');
    expect(pending[0]).toBe(0);
  });

  test('retries a failing alert with backoff, then gives up into error and dead letters', async ({ db, redis }) => {
    const [poison, healthy] = await seed(db, 2);
    const attempts: string[] = [];
    const handler: StageHandler = {
      async process(alerts) {
        return alerts.map((a): AttemptResult => {
          attempts.push(a.id);
          return a.id === poison
            ? { kind: 'retry', id: a.id, error: 'agent directory said 503' }
            : { kind: 'done', id: a.id };
        });
      },
    };
    const w = worker(mode, db, redis, handler);
    await w.start();
    await publish(redis.redis, streamKey(redis.namespace, 'enrich'), [poison!, healthy!].map((alertId) => ({ alertId, attempt: 0 })));
    await waitFor('the poison alert in error', async () => (await statesOf(db)).error === 1, { timeoutMs: 10_000 });
    await w.stop();
    expect(await statesOf(db)).toEqual({ error: 1, enriched: 1 });
    expect(attempts.filter((id) => id === poison)).toHaveLength(settings.maxAttempts);
    const { rows } = await db.pool.query('SELECT error FROM alerts WHERE id = $1', [poison]);
    expect(rows[0].error).toBe('gave up after 3 attempts: agent directory said 503');
    const history = await db.pool.query(
      `SELECT error FROM alert_transitions WHERE alert_id = $1 AND error IS NOT NULL ORDER BY id`,
      [poison],
    );
    expect(history.rows.map((r) => r.error)).toEqual([
      'agent directory said 503',
      'agent directory said 503',
      'gave up after 3 attempts: agent directory said 503',
    ]);
    const dead = await redis.redis.xrange(deadLetterKey(redis.namespace, 'enrich'), '-', '+');
    expect(dead).toHaveLength(1);
    expect(dead[0]![1]).toContain(poison);
  });

  test('an alert whose worker keeps dying is failed once it has had its attempts', async ({ db, redis }) => {
    const [id] = await seed(db, 1);
    // Three takeovers' worth of claims, as if three workers had died holding it.
    await db.pool.query(`UPDATE alerts SET state = 'enriching', attempt = 3, claimed_by = 'dead',
                           claim_expires_at = now() - interval '1 minute', error = 'out of memory'`);
    let processed = 0;
    const w = worker(mode, db, redis, { async process(alerts) { processed += alerts.length; return []; } });
    await w.start();
    await publish(redis.redis, streamKey(redis.namespace, 'enrich'), [{ alertId: id!, attempt: 0 }]);
    await waitFor('the alert in error', async () => (await statesOf(db)).error === 1);
    await w.stop();
    expect(processed).toBe(0);
    const { rows } = await db.pool.query('SELECT error FROM alerts WHERE id = $1', [id]);
    expect(rows[0].error).toBe('gave up after 3 attempts; last error: out of memory');
  });

  test('a deferred alert leaves no pending entry and comes back once due, its deliveries unspent', async ({ db, redis }) => {
    const [id] = await seed(db, 1);
    let calls = 0;
    const w = worker(mode, db, redis, {
      async process(alerts) {
        calls += 1;
        return alerts.map((a): AttemptResult =>
          calls === 1 ? { kind: 'defer', id: a.id, delayMs: 200, reason: 'breaker smtp open' } : { kind: 'done', id: a.id },
        );
      },
    }, { handoffGraceMs: 60_000 });
    await w.start();
    await publish(redis.redis, streamKey(redis.namespace, 'enrich'), [{ alertId: id!, attempt: 0 }]);
    await waitFor('the alert enriched after its deferral', async () => (await statesOf(db)).enriched === 1, { timeoutMs: 10_000 });
    await w.stop();
    expect(calls).toBe(2);
    const pending = await redis.redis.xpending(streamKey(redis.namespace, 'enrich'), 'enrich-workers');
    expect(pending[0]).toBe(0);
    const { rows } = await db.pool.query(
      `SELECT to_state, reason FROM alert_transitions WHERE alert_id = $1 AND reason IS NOT NULL`,
      [id],
    );
    expect(rows).toEqual([{ to_state: 'enriching', reason: 'breaker smtp open' }]);
  });

  test('a permanent failure goes to error at once with its reason', async ({ db, redis }) => {
    const [id] = await seed(db, 1);
    const w = worker(mode, db, redis, {
      async process(alerts) {
        return alerts.map((a) => ({ kind: 'fail', id: a.id, error: 'stored alert is not a Wazuh alert' }));
      },
    });
    await w.start();
    await publish(redis.redis, streamKey(redis.namespace, 'enrich'), [{ alertId: id!, attempt: 0 }]);
    await waitFor('the alert in error', async () => (await statesOf(db)).error === 1);
    await w.stop();
    const history = await db.pool.query(
      `SELECT from_state, to_state, error FROM alert_transitions WHERE alert_id = $1 ORDER BY id`,
      [id],
    );
    expect(history.rows.at(-1)).toEqual({ from_state: 'enriching', to_state: 'error', error: 'stored alert is not a Wazuh alert' });
  });

  test('a handler that throws loses nothing: the batch is retried and then succeeds', async ({ db, redis }) => {
    const ids = await seed(db, 5);
    let calls = 0;
    const w = worker(mode, db, redis, {
      async process(alerts) {
        calls += 1;
        if (calls === 1) throw new Error('connection reset');
        return enrichAll.process(alerts, undefined as never);
      },
    });
    await w.start();
    await publish(redis.redis, streamKey(redis.namespace, 'enrich'), ids.map((alertId) => ({ alertId, attempt: 0 })));
    await waitFor('5 enriched alerts', async () => (await statesOf(db)).enriched === 5, { timeoutMs: 10_000 });
    await w.stop();
    expect(calls).toBeGreaterThan(1);
  });

  test('the sweeper republishes alerts whose hand-off never reached the stream', async ({ db, redis }) => {
    await seed(db, 4);
    const w = worker(mode, db, redis, enrichAll);
    await w.start();
    await waitFor('4 enriched alerts', async () => (await statesOf(db)).enriched === 4, { timeoutMs: 10_000 });
    await w.stop();
  });

  test('a slow batch keeps its claims while it works; a hung one gives them up at its deadline', { timeout: 30_000 }, async ({ db, redis }) => {
    const [slowId] = await seed(db, 1, 'slow');
    // Slow: longer than the claim timeout, shorter than the handler deadline.
    const slow = worker(mode, db, redis, {
      async process(alerts) {
        await new Promise((resolve) => setTimeout(resolve, 600));
        return alerts.map((a) => ({ kind: 'done', id: a.id }));
      },
    }, { claimTimeoutMs: 200, handlerTimeoutMs: 5_000 }, 'slow');
    await slow.start();
    await publish(redis.redis, streamKey(redis.namespace, 'enrich'), [{ alertId: slowId!, attempt: 0 }]);
    await waitFor('the slow alert enriched', async () => (await statesOf(db)).enriched === 1, { timeoutMs: 10_000 });
    await slow.stop();
    const slowHistory = await db.pool.query(
      `SELECT replica FROM alert_transitions WHERE alert_id = $1 AND to_state = 'enriching'`,
      [slowId],
    );
    expect(slowHistory.rows).toEqual([{ replica: 'slow' }]);

    // Hung: never answers; its deadline releases the alert for a healthy replica.
    const [hungId] = await seed(db, 1, 'hung');
    const seen: AbortSignal[] = [];
    const hung = worker(mode, db, redis, { process: (_alerts, { signal }) => { seen.push(signal); return new Promise(() => {}); } },
      { claimTimeoutMs: 200, handlerTimeoutMs: 400 }, 'hung');
    await hung.start();
    await publish(redis.redis, streamKey(redis.namespace, 'enrich'), [{ alertId: hungId!, attempt: 0 }]);
    await waitFor('the hung worker to take the alert', () => seen.length === 1);
    await waitFor('its deadline to pass', () => seen[0]?.aborted);
    // The deadline, not the hung call, ends the batch: its retry commits, and the alert is
    // released (in-commit: its row lock too) while the call still hangs.
    await waitFor('the hung batch committed as a retry', async () => {
      const { rows } = await db.pool.query('SELECT error FROM alerts WHERE id = $1', [hungId]);
      return rows[0].error === 'the stage took longer than 400 ms on this batch';
    });
    await hung.stop();
    const rescuer = worker(mode, db, redis, enrichAll, {}, 'rescuer');
    await rescuer.start();
    await waitFor('the hung alert enriched by the rescuer', async () => (await statesOf(db)).enriched === 2, { timeoutMs: 15_000 });
    await rescuer.stop();
    const { rows } = await db.pool.query(
      `SELECT replica, error FROM alert_transitions WHERE alert_id = $1 AND error IS NOT NULL`,
      [hungId],
    );
    expect(rows[0]).toMatchObject({ replica: 'hung', error: 'the stage took longer than 400 ms on this batch' });
  });

  test('an overdue entry with a malformed id is dead-lettered, not a failed statement', async ({ db, redis }) => {
    const outcomes = await handleBatch(
      {
        stage: 'enrich',
        db,
        redis: redis.redis,
        namespace: redis.namespace,
        actor: { service: 'enricher', replica: 'w1' },
        handler: { ...enrichAll, claimsInCommit: mode === 'in-commit' },
        logger: createSilentLogger(),
        ...settings,
        signal: new AbortController().signal,
      },
      [{ entryId: '1-0', message: { alertId: 'garbage', attempt: 0 }, deliveries: 99 }],
    );
    expect(outcomes).toEqual([{ kind: 'dead-letter', reason: 'enrich: malformed alert id' }]);
  });

  test('an entry whose alert id is not an alert id is dead-lettered without holding up its batch', async ({ db, redis }) => {
    const [id] = await seed(db, 1);
    const w = worker(mode, db, redis, enrichAll);
    await w.start();
    await publish(redis.redis, streamKey(redis.namespace, 'enrich'), [
      { alertId: 'not-a-uuid', attempt: 0 },
      { alertId: id!, attempt: 0 },
    ]);
    await waitFor('the real alert enriched', async () => (await statesOf(db)).enriched === 1);
    await waitFor('the bad entry dead-lettered', async () =>
      (await redis.redis.xlen(deadLetterKey(redis.namespace, 'enrich'))) === 1,
    );
    await w.stop();
  });

  test('after Redis loses everything, unfinished alerts are republished from PostgreSQL', async ({ db, redis }) => {
    const ids = await seed(db, 3);
    const gate = { open: false };
    const w = worker(mode, db, redis, {
      async process(alerts) {
        return gate.open ? enrichAll.process(alerts, undefined as never) : alerts.map((a) => ({ kind: 'retry', id: a.id, error: 'closed' }));
      },
    }, { handoffGraceMs: 60_000, maxDeliveries: 100 });
    await w.start();
    await publish(redis.redis, streamKey(redis.namespace, 'enrich'), ids.map((alertId) => ({ alertId, attempt: 0 })));
    await waitFor('alerts claimed once', async () => (await statesOf(db)).enriching === 3);
    // Only this test's keys: the Redis server is shared with other test files.
    const keys = await redis.redis.keys(`{${redis.namespace}}*`);
    await redis.redis.del(...keys);
    gate.open = true;
    await waitFor('3 enriched alerts', async () => (await statesOf(db)).enriched === 3, { timeoutMs: 15_000 });
    await w.stop();
  });
});
