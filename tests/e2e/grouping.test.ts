import { readdirSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, loadCorpus, waitFor } from '@herald/testkit';
import { startPipeline, SERVICE_NAMES, type Pipeline } from './pipeline.ts';

// Line 1 of the corpus: an SSH brute force with a source IP, the kind that repeats.
const [bruteForce] = loadCorpus();
const BURST = 50;

describe(
  'grouping end to end: a burst becomes one message and a digest',
  { timeout: 180_000 },
  () => {
    let pipeline: Pipeline;
    let pool: pg.Pool;
    let testRedis: Awaited<ReturnType<typeof createTestRedis>>;
    let cleanup: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      const database = await createTestDatabase();
      testRedis = await createTestRedis();
      pool = new pg.Pool({ connectionString: database.url, max: 2 });
      pipeline = await startPipeline({
        databaseUrl: database.url,
        redisUrl: testRedis.url,
        namespace: testRedis.namespace,
        // The default group-by (rule, agent, source IP); the interval outlasts a restart of
        // all five services, so the digest is due only after it.
        env: { HERALD_GROUP_BY: 'rule.id,agent.id,data.srcip', HERALD_GROUP_INTERVAL: '20s' },
      });
      cleanup = [
        () => pipeline.stop(),
        () => pool.end(),
        () => testRedis.close(),
        () => database.drop(),
      ];
    }, 120_000);

    afterAll(async () => {
      for (const step of cleanup) await step();
    }, 60_000);

    /** Everything this installation kept in Redis, gone: streams, groups, BullMQ's schedules. */
    async function loseRedis(): Promise<void> {
      let cursor = '0';
      do {
        const [next, keys] = await testRedis.redis.scan(
          cursor,
          'MATCH',
          `{${testRedis.namespace}}*`,
          'COUNT',
          1000,
        );
        cursor = next;
        if (keys.length) await testRedis.redis.unlink(...keys);
      } while (cursor !== '0');
    }

    function emlCount(): number {
      return readdirSync(pipeline.mailboxDir).filter((name) => name.endsWith('.eml')).length;
    }

    it('sends the first alert at once and the rest as one digest, after every service restarted and Redis lost everything', async () => {
      const lines = Array.from({ length: BURST }, (_, i) =>
        JSON.stringify({ ...bruteForce!.alert, id: `burst.${i}` }),
      );
      const post = (batch: string[]) =>
        fetch(`${pipeline.apiUrl}/v1/alerts`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${pipeline.apiKey}`,
            'content-type': 'application/x-ndjson',
          },
          body: `${batch.join('\n')}\n`,
        });
      expect((await post(lines.slice(0, 1))).status).toBe(202);
      await waitFor('the first alert sent', async () => emlCount() === 1, {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      expect((await post(lines.slice(1))).status).toBe(202);
      await waitFor(
        'the repeats folded',
        async () => {
          const { rows } = await pool.query(
            `SELECT count(*)::int AS n FROM alerts WHERE state = 'suppressed'`,
          );
          return rows[0].n === BURST - 1;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      const reasons = await pool.query<{ reason: string }>(
        `SELECT DISTINCT regexp_replace(reason, '[0-9a-f-]{36}', '<id>') AS reason
         FROM alert_transitions WHERE to_state = 'suppressed'`,
      );
      expect(reasons.rows).toEqual([{ reason: expect.stringMatching(/^grouped into <id> for /) }]);
      const due = await pool.query(
        `SELECT count(*)::int AS n FROM alerts WHERE identity_key LIKE 'digest:%'`,
      );
      expect(due.rows[0].n).toBe(0);

      for (const name of SERVICE_NAMES) {
        expect(await pipeline.services.get(name)!.kill('SIGTERM')).toBe(0);
      }
      await loseRedis();
      for (const name of SERVICE_NAMES) await pipeline.start(name);

      await waitFor('the digest sent', async () => emlCount() === 2, {
        timeoutMs: 90_000,
        intervalMs: 200,
      });
      const digests = await pool.query<{
        state: string;
        analysis: { group: { count: number; kind: string } };
      }>(`SELECT state, analysis FROM alerts WHERE identity_key LIKE 'digest:%'`);
      expect(digests.rows).toHaveLength(1);
      expect(digests.rows[0]!.analysis.group).toMatchObject({ kind: 'digest', count: BURST - 1 });
      await waitFor('the digest in state sent', async () => {
        const { rows } = await pool.query(
          `SELECT state FROM alerts WHERE identity_key LIKE 'digest:%'`,
        );
        return rows[0]?.state === 'sent';
      });
      // Nothing more is due: the group has sent its digest and waits for new repeats.
      const group = await pool.query(`SELECT digest_seq, flush_due_at FROM alert_groups`);
      expect(group.rows).toEqual([{ digest_seq: 1, flush_due_at: null }]);
    });
  },
);
