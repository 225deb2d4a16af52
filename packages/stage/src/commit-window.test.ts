import { describe, expect } from 'vitest';
import { insertAlerts, type ClaimedAlert } from '@herald/db';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { groupName, publish, streamKey } from '@herald/streams';
import { waitFor } from '@herald/testkit';
import type { StageSettings } from './settings.ts';
import { StageWorker } from './worker.ts';
import { startKillWorker } from './kill-worker.ts';


const settings: StageSettings = {
  batchSize: 50,
  blockMs: 100,
  claimTimeoutMs: 2_000,
  handlerTimeoutMs: 5_000,
  reclaimIdleMs: 200,
  reclaimIntervalMs: 50,
  maxDeliveries: 5,
  maxAttempts: 3,
  retryBaseMs: 20,
  retryMaxMs: 100,
  sweepIntervalMs: 100,
  handoffGraceMs: 300,
  sweepLimit: 100,
};

describe.each(['claims', 'in-commit'])('the window between a commit and the next stream entry (%s)', (mode) => {
  test('a worker killed right after its commit: the sweeper republishes, the next stage works the alert once', async ({
    db,
    databaseUrl,
    redis: { redis, namespace, url },
  }) => {
    const [ref] = await insertAlerts(db, [{ identityKey: 'k', body: {} }], {
      service: 'ingest-api',
      replica: 'i',
    });
    const id = ref!.id;

    // 1. A separate process commits `enriched` and is SIGKILLed by the fault hook before
    //    it publishes to the analyze stream (and before it acknowledges its entry).
    const doomed = startKillWorker({
      databaseUrl,
      redisUrl: url,
      namespace,
      killAt: 'after-commit',
      claimsInCommit: mode === 'in-commit',
    });
    await waitFor('the doomed worker ready', () => doomed.output().includes('ready'));
    await publish(redis, streamKey(namespace, 'enrich'), [{ alertId: id, attempt: 0 }]);

    expect(await doomed.exited, doomed.output()).toBe('SIGKILL');
    expect(doomed.output()).toContain(`committed ${id}`);
    const { rows } = await db.pool.query<{ state: string }>(
      'SELECT state FROM alerts WHERE id = $1',
      [id],
    );
    expect(rows[0]!.state).toBe('enriched');
    expect(await redis.xlen(streamKey(namespace, 'analyze'))).toBe(0);
    const [pending] = (await redis.xpending(
      streamKey(namespace, 'enrich'),
      groupName('enrich'),
    )) as [number];
    expect(pending).toBe(1);

    // 2. Survivors: another enrich replica (which reclaims the orphaned entry) and the
    //    analyze stage, whose sweeper finds the alert stranded in `enriched`.
    const worked: Record<string, string[]> = { enrich: [], analyze: [] };
    const survivor = (stage: 'enrich' | 'analyze') =>
      new StageWorker({
        stage,
        db,
        redis,
        redisUrl: url,
        namespace,
        actor: { service: stage, replica: 'survivor' },
        settings,
        handler: {
          claimsInCommit: mode === 'in-commit',
          async process(alerts: readonly ClaimedAlert[]) {
            worked[stage]!.push(...alerts.map((a) => a.id));
            return alerts.map((a) => ({ kind: 'done' as const, id: a.id }));
          },
        },
        logger: createSilentLogger(),
      });
    const enrich = survivor('enrich');
    const analyze = survivor('analyze');
    await enrich.start();
    await analyze.start();
    try {
      await waitFor('the alert analyzed', async () => {
        const { rows: now } = await db.pool.query<{ state: string }>(
          'SELECT state FROM alerts WHERE id = $1',
          [id],
        );
        return now[0]!.state === 'analyzed';
      });
      await waitFor('the orphaned enrich entry acknowledged', async () => {
        const [left] = (await redis.xpending(
          streamKey(namespace, 'enrich'),
          groupName('enrich'),
        )) as [number];
        return left === 0;
      });
    } finally {
      await enrich.stop();
      await analyze.stop();
    }
    // Enriched once (by the killed worker), analyzed exactly once, one hand-off entry.
    expect(worked).toEqual({ enrich: [], analyze: [id] });
    expect(await redis.xlen(streamKey(namespace, 'analyze'))).toBe(1);
    const history = await db.pool.query<{ to_state: string }>(
      'SELECT to_state FROM alert_transitions WHERE alert_id = $1 ORDER BY id',
      [id],
    );
    expect(history.rows.map((r) => r.to_state)).toEqual([
      'new',
      'enriching',
      'enriched',
      'analyzing',
      'analyzed',
    ]);
  });
});
