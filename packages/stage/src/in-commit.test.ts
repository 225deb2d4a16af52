import { describe, expect } from 'vitest';
import { insertAlerts, type AttemptResult, type ClaimedAlert, type Database } from '@herald/db';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { deadLetterKey, groupName, publish, streamKey, type ConsumedEntry } from '@herald/streams';
import { waitFor } from '@herald/testkit';
import type { Redis } from 'ioredis';
import { handleBatch, type BatchDeps } from './batch.ts';
import type { StageHandler } from './handler.ts';
import type { StageSettings } from './settings.ts';
import { StageWorker } from './worker.ts';
import { startKillWorker } from './kill-worker.ts';

// What working a batch in one transaction (handler.claimsInCommit) guarantees beyond what
// worker.test.ts checks in both modes: a batch that dies leaves no trace, and a second
// replica neither waits for nor works what the first holds.

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
  // Redelivery, not the sweeper, must bring the work back here.
  handoffGraceMs: 60_000,
  sweepLimit: 100,
};

type RedisFixture = { redis: Redis; namespace: string; url: string };

function worker(
  db: Database,
  redis: RedisFixture,
  handler: StageHandler,
  replica = 'w1',
): StageWorker {
  return new StageWorker({
    stage: 'enrich',
    db,
    redis: redis.redis,
    redisUrl: redis.url,
    namespace: redis.namespace,
    actor: { service: 'enricher', replica },
    settings,
    handler: { ...handler, claimsInCommit: true },
    logger: createSilentLogger(),
  });
}

async function seed(db: Database, n: number): Promise<string[]> {
  const refs = await insertAlerts(
    db,
    Array.from({ length: n }, (_, i) => ({ identityKey: `k${i}`, body: { i } })),
    { service: 'ingest-api', replica: 'i' },
  );
  return refs.map((r) => r.id);
}

async function states(db: Database): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ state: string; n: number }>(
    'SELECT state, count(*)::int AS n FROM alerts GROUP BY state',
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** Every alert's history as `from>to@attempt` steps, by alert id. */
async function histories(db: Database): Promise<Map<string, string[]>> {
  const { rows } = await db.pool.query<{ alert_id: string; step: string }>(
    `SELECT alert_id, coalesce(from_state, '') || '>' || to_state || '@' || attempt AS step
       FROM alert_transitions ORDER BY id`,
  );
  const byAlert = new Map<string, string[]>();
  for (const row of rows)
    byAlert.set(row.alert_id, [...(byAlert.get(row.alert_id) ?? []), row.step]);
  return byAlert;
}

async function pendingCount(redis: RedisFixture): Promise<number> {
  const [pending] = (await redis.redis.xpending(
    streamKey(redis.namespace, 'enrich'),
    groupName('enrich'),
  )) as [number];
  return pending;
}

async function handedOn(redis: RedisFixture): Promise<string[]> {
  const entries = await redis.redis.xrange(streamKey(redis.namespace, 'analyze'), '-', '+');
  return entries.map(([, fields]) => fields[1]!).sort();
}

const done = (alerts: readonly ClaimedAlert[]): AttemptResult[] =>
  alerts.map((alert) => ({ kind: 'done', id: alert.id, enrichment: { kind: 'agent' } }));

describe('a stage working in one transaction', () => {
  test('a worker killed mid-batch leaves its alerts untouched and pending; redelivery works them once', async ({
    db,
    databaseUrl,
    redis,
  }) => {
    const ids = await seed(db, 5);
    const doomed = startKillWorker({
      databaseUrl,
      redisUrl: redis.url,
      namespace: redis.namespace,
      killAt: 'handler',
      claimsInCommit: true,
    });
    await waitFor('the doomed worker ready', () => doomed.output().includes('ready'));
    await publish(
      redis.redis,
      streamKey(redis.namespace, 'enrich'),
      ids.map((alertId) => ({ alertId, attempt: 0 })),
    );

    expect(await doomed.exited, doomed.output()).toBe('SIGKILL');
    expect(doomed.output()).toContain(`working ${ids.join(',')}`);
    // Nothing of the dead batch is left: no state, attempt or history, and every entry pending.
    expect(await states(db)).toEqual({ new: 5 });
    const { rows } = await db.pool.query(
      'SELECT count(*)::int AS n FROM alerts WHERE attempt = 0 AND claimed_by IS NULL',
    );
    expect(rows[0].n).toBe(5);
    expect([...(await histories(db)).values()].every((steps) => steps.length === 1)).toBe(true);
    expect(await pendingCount(redis)).toBe(5);

    const worked: string[] = [];
    const survivor = worker(db, redis, {
      async process(alerts) {
        worked.push(...alerts.map((alert) => alert.id));
        return done(alerts);
      },
    });
    await survivor.start();
    try {
      await waitFor('5 enriched alerts', async () => (await states(db)).enriched === 5, {
        timeoutMs: 15_000,
      });
      await waitFor(
        "the dead worker's entries acknowledged",
        async () => (await pendingCount(redis)) === 0,
      );
    } finally {
      await survivor.stop();
    }
    expect(worked.sort()).toEqual([...ids].sort());
    expect(await handedOn(redis)).toEqual([...ids].sort());
    for (const steps of (await histories(db)).values()) {
      expect(steps).toEqual(['>new@0', 'new>enriching@1', 'enriching>enriched@1']);
    }
  });

  test('a batch whose writes fail rolls back with them, counts no attempt, and commits once on redelivery', async ({
    db,
    redis,
  }) => {
    const ids = await seed(db, 4);
    await db.pool.query('CREATE TABLE persisted (alert_id uuid NOT NULL)');
    let processed = 0;
    let persists = 0;
    const w = worker(db, redis, {
      async process(alerts) {
        processed += alerts.length;
        return done(alerts);
      },
      async persist(client, results) {
        persists += 1;
        await client.query('INSERT INTO persisted SELECT unnest($1::uuid[])', [
          results.map((r) => r.id),
        ]);
        if (persists === 1) throw new Error('disk full');
      },
    });
    await w.start();
    await publish(
      redis.redis,
      streamKey(redis.namespace, 'enrich'),
      ids.map((alertId) => ({ alertId, attempt: 0 })),
    );
    await waitFor('4 enriched alerts', async () => (await states(db)).enriched === 4, {
      timeoutMs: 15_000,
    });
    await waitFor('every entry acknowledged', async () => (await pendingCount(redis)) === 0);
    await w.stop();

    expect(persists).toBe(2);
    expect(processed).toBe(8);
    const { rows } = await db.pool.query('SELECT alert_id FROM persisted ORDER BY alert_id');
    expect(rows.map((r) => r.alert_id)).toEqual([...ids].sort());
    for (const steps of (await histories(db)).values()) {
      expect(steps).toEqual(['>new@0', 'new>enriching@1', 'enriching>enriched@1']);
    }
    expect(await handedOn(redis)).toEqual([...ids].sort());
  });

  test('an alert whose batches keep dying is claimed on redelivery, so its attempts count and it ends in error', async ({
    db,
    redis,
  }) => {
    const [id] = await seed(db, 1);
    let processed = 0;
    const w = new StageWorker({
      stage: 'enrich',
      db,
      redis: redis.redis,
      redisUrl: redis.url,
      namespace: redis.namespace,
      actor: { service: 'enricher', replica: 'w1' },
      // Claims expire and the sweeper hands them out again at once, so each redelivery
      // can take the alert over.
      settings: { ...settings, claimTimeoutMs: 100, handoffGraceMs: 100 },
      handler: {
        claimsInCommit: true,
        async process(alerts) {
          processed += 1;
          return done(alerts);
        },
        async persist() {
          throw new Error('connection lost');
        },
      },
      logger: createSilentLogger(),
    });
    await w.start();
    await publish(redis.redis, streamKey(redis.namespace, 'enrich'), [
      { alertId: id!, attempt: 0 },
    ]);
    await waitFor('the alert in error', async () => (await states(db)).error === 1, {
      timeoutMs: 15_000,
    });
    await w.stop();

    expect(processed).toBeGreaterThanOrEqual(2);
    const steps = (await histories(db)).get(id!)!;
    // The first batch, in one transaction, rolled back without a trace; the claims of the
    // redeliveries counted the attempts.
    expect(steps.slice(0, 2)).toEqual(['>new@0', 'new>enriching@1']);
    expect(steps.at(-1)).toMatch(/^enriching>error@\d$/);
    const { rows } = await db.pool.query('SELECT error FROM alerts WHERE id = $1', [id]);
    expect(rows[0].error).toMatch(/gave up after/);
  });

  test('an entry redelivered too often while its alert was never claimed (an outage) costs no attempt', async ({
    db,
    redis,
  }) => {
    const [id] = await seed(db, 1);
    let processed = 0;
    const outcomes = await handleBatch(
      {
        stage: 'enrich',
        db,
        redis: redis.redis,
        namespace: redis.namespace,
        actor: { service: 'enricher', replica: 'w1' },
        handler: {
          claimsInCommit: true,
          async process(alerts) {
            processed += 1;
            return done(alerts);
          },
        },
        logger: createSilentLogger(),
        ...settings,
        signal: new AbortController().signal,
      },
      [
        {
          entryId: '1-0',
          message: { alertId: id!, attempt: 0 },
          deliveries: settings.maxDeliveries + 1,
        },
      ],
    );
    // Acknowledged, not dead-lettered: the alert is still in its input state, for the
    // sweeper to hand out again.
    expect(outcomes).toEqual([{ kind: 'ack' }]);
    expect(processed).toBe(0);
    expect(await states(db)).toEqual({ new: 1 });
  });

  test('a second replica on the same entry neither waits for nor works what the first holds', async ({
    db,
    redis,
  }) => {
    const [id] = await seed(db, 1);
    const entry = (deliveries: number): ConsumedEntry => ({
      entryId: '1-0',
      message: { alertId: id!, attempt: 0 },
      deliveries,
    });
    const deps = (replica: string, handler: StageHandler): BatchDeps => ({
      stage: 'enrich',
      db,
      redis: redis.redis,
      namespace: redis.namespace,
      actor: { service: 'enricher', replica },
      handler: { ...handler, claimsInCommit: true },
      logger: createSilentLogger(),
      ...settings,
      signal: new AbortController().signal,
    });
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls = { a: 0, b: 0 };
    const seenAtCommit: unknown[] = [];
    const first = handleBatch(
      {
        ...deps('a', {
          async process(alerts) {
            calls.a += 1;
            await gate;
            return done(alerts);
          },
        }),
        // Committed, and not yet handed on, when the hook runs.
        afterCommit: async () => {
          seenAtCommit.push(
            (await db.pool.query('SELECT state FROM alerts WHERE id = $1', [id])).rows[0].state,
          );
          seenAtCommit.push(await redis.redis.xlen(streamKey(redis.namespace, 'analyze')));
        },
      },
      [entry(1)],
    );
    await waitFor('the first replica working', () => calls.a === 1);
    const second = await handleBatch(
      deps('b', {
        async process(alerts) {
          calls.b += 1;
          return done(alerts);
        },
      }),
      [entry(2)],
    );
    expect(second).toEqual([{ kind: 'ack' }]);
    expect(calls.b).toBe(0);
    expect(await states(db)).toEqual({ new: 1 });
    release();
    expect(await first).toEqual([{ kind: 'ack' }]);
    expect(seenAtCommit).toEqual(['enriched', 0]);
    expect(await handedOn(redis)).toEqual([id]);
    const { rows } = await db.pool.query(
      `SELECT DISTINCT replica FROM alert_transitions WHERE alert_id = $1 AND from_state IS NOT NULL`,
      [id],
    );
    expect(rows).toEqual([{ replica: 'a' }]);
  });
});
