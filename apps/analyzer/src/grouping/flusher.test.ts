import { AnalysisSchema } from '@herald/contracts';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { waitFor } from '@herald/testkit';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { createAnalyzeHandler } from '../handler.ts';
import { GroupFlusher } from './flusher.ts';
import { Grouper } from './grouper.ts';
import { startPrivateRedis } from './private-redis.testing.ts';
import { seedClaimed, settings } from './test-support.ts';
import type { Database } from '@herald/db';

const context = { logger: createSilentLogger(), signal: new AbortController().signal };

async function digestCounts(db: Database): Promise<number[]> {
  const { rows } = await db.pool.query<{ analysis: unknown }>(
    `SELECT analysis FROM alerts WHERE identity_key LIKE 'digest:%' ORDER BY identity_key`,
  );
  return rows.map((row) => AnalysisSchema.parse(row.analysis).group!.count);
}

describe('group timers', () => {
  test(
    'survive a restart of every service and a FLUSHALL of Redis: each digest still goes out, once',
    { timeout: 60_000 },
    async ({ db, onTestFinished }) => {
      const server = await startPrivateRedis();
      onTestFinished(() => server.stop());
      const redis = new Redis(server.url, { maxRetriesPerRequest: 3 });
      onTestFinished(() => redis.disconnect());
      const namespace = 'grouping';
      const flushed: number[] = [];
      const rescheduled: number[] = [];
      const newFlusher = () =>
        new GroupFlusher({
          db,
          redis,
          redisUrl: server.url,
          namespace,
          actor: { service: 'analyzer', replica: 'test' },
          scanIntervalMs: 50,
          scheduleCheckMs: 50,
          limit: 10,
          hooks: {
            onFlushed: ({ digests }) => flushed.push(digests),
            onRescheduled: () => rescheduled.push(Date.now()),
          },
        });
      const newHandler = () =>
        createAnalyzeHandler(
          { minLevel: 0, defaultReceiver: 'soc' },
          { grouper: new Grouper({ db, defaults: settings({ groupIntervalMs: 1_500 }) }) },
        );

      // Before the restart: the group opens and folds three alerts; their digest is due in
      // 1.5 s, a time kept in PostgreSQL only.
      const before = newFlusher();
      await before.start();
      await newHandler().process(await seedClaimed(db, 4, undefined, 'before'), context);
      await before.stop();

      // Every service restarts, and Redis comes back empty.
      await redis.flushall();
      const after = newFlusher();
      onTestFinished(() => after.stop());
      await after.start();
      await waitFor('the first digest', async () => (await digestCounts(db)).length === 1);
      expect(await digestCounts(db)).toEqual([3]);

      // A new handler (the restarted analyzer) still knows the group: the next alert folds.
      const [late] = await newHandler().process(
        await seedClaimed(db, 1, undefined, 'late'),
        context,
      );
      expect(late).toMatchObject({ kind: 'done', to: 'suppressed' });

      // Redis loses everything again while the flusher runs: its schedule is put back.
      await redis.flushall();
      await waitFor('the schedule put back', () => rescheduled.length > 0);
      await waitFor('the second digest', async () => (await digestCounts(db)).length === 2);
      expect(await digestCounts(db)).toEqual([3, 1]);
      // Each digest was created by exactly one flush.
      expect(flushed.reduce((a, b) => a + b, 0)).toBe(2);

      // The second digest reached the format stream of the emptied Redis.
      const entries = await redis.xrange(`{${namespace}}:format`, '-', '+');
      expect(entries).toHaveLength(1);
    },
  );
});
