import { expect } from 'vitest';
import { insertAlerts, type Database } from '@herald/db';
import { test } from '@herald/db/testing';
import { publish, streamKey } from '@herald/streams';
import { waitFor } from '@herald/testkit';
import { startKillWorker } from './kill-worker.ts';

// A worker that stops sending anything while it holds a batch's row locks (a paused
// container, a frozen VM, a network cut): PostgreSQL keeps the session, and its locks, until
// TCP notices, which by default takes hours. The claim mode's claims expire after the claim
// timeout; the locks must not outlive the handler deadline by more than that.

// The fixture's handlerTimeoutMs + its claimTimeoutMs, raised to the 5 s floor batch.ts keeps.
const LOCK_BOUND_MS = 5_000 + Math.max(2_000, 5_000);

/** How many of `ids` another transaction could lock now. */
async function lockable(db: Database, ids: readonly string[]): Promise<number> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(
      'SELECT id FROM alerts WHERE id = ANY($1::uuid[]) FOR UPDATE SKIP LOCKED',
      [ids],
    );
    return rows.length;
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

test(
  "a frozen worker's row locks end a claim timeout after its handler deadline, with nothing written",
  { timeout: 60_000 },
  async ({ db, databaseUrl, redis }) => {
    const refs = await insertAlerts(
      db,
      Array.from({ length: 3 }, (_, i) => ({ identityKey: `frozen-${i}`, body: { i } })),
      { service: 'ingest-api', replica: 'i' },
    );
    const ids = refs.map((ref) => ref.id);
    const doomed = startKillWorker({
      databaseUrl,
      redisUrl: redis.url,
      namespace: redis.namespace,
      killAt: 'freeze',
      claimsInCommit: true,
    });
    const { child } = doomed;
    try {
      await waitFor('the worker ready', () => doomed.output().includes('ready'), {
        timeoutMs: 20_000,
      });
      await publish(
        redis.redis,
        streamKey(redis.namespace, 'enrich'),
        ids.map((alertId) => ({ alertId, attempt: 0 })),
      );
      await waitFor('the worker frozen in its handler', () => doomed.output().includes('working'), {
        timeoutMs: 20_000,
      });
      const frozenAt = Date.now();
      expect(await lockable(db, ids)).toBe(0);

      await waitFor('the locks released', async () => (await lockable(db, ids)) === ids.length, {
        timeoutMs: LOCK_BOUND_MS * 3,
        intervalMs: 100,
      });
      expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(LOCK_BOUND_MS - 1_000);
      const { rows } = await db.pool.query<{ state: string; attempt: number }>(
        'SELECT state, attempt FROM alerts WHERE id = ANY($1::uuid[])',
        [ids],
      );
      expect(rows).toEqual(ids.map(() => ({ state: 'new', attempt: 0 })));
    } finally {
      child.kill('SIGKILL');
    }
  },
);
