import { describe, expect } from 'vitest';
import { insertAlerts } from '@herald/db';
import { test } from '@herald/db/testing';
import { startRetention } from './retention.ts';
import { captureLogger } from './testing.ts';

describe('startRetention', () => {
  test('prunes on its interval until stopped', async ({ db }) => {
    const [ref] = await insertAlerts(db, [{ identityKey: 'old', body: {} }], { service: 't', replica: 'r' });
    await db.pool.query(`UPDATE alerts SET state = 'sent', state_changed_at = now() - interval '2 days' WHERE id = $1`, [
      ref!.id,
    ]);
    const { logger } = captureLogger();
    const pruned = Promise.withResolvers<number>();
    const retention = startRetention({
      pool: db.pool,
      policy: { finishedMs: 86_400_000, errorMs: 0, batchSize: 100 },
      intervalMs: 5,
      logger,
      onPrune: (result) => {
        if (result.alerts > 0) pruned.resolve(result.alerts);
      },
    });
    expect(await pruned.promise).toBe(1);
    await retention.stop();
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM alerts');
    expect(rows[0].n).toBe(0);
  });
});
