import { describe, expect } from 'vitest';
import { insertAlerts } from './alerts.ts';
import { pruneExpired } from './retention.ts';
import { test } from './testing.ts';

const actor = { service: 'test', replica: 'r' };

describe('pruneExpired', () => {
  test('deletes finished alerts past the horizon with their history and deliveries, keeps the rest', async ({ db }) => {
    const refs = await insertAlerts(
      db,
      ['old-sent', 'old-suppressed', 'old-error', 'new-sent', 'old-working'].map((key) => ({ identityKey: key, body: {} })),
      actor,
    );
    const id = Object.fromEntries(refs.map((ref) => [ref.identityKey, ref.id]));
    const age = async (key: string, state: string, days: number) =>
      db.pool.query(
        `UPDATE alerts SET state = $2, state_changed_at = now() - make_interval(days => $3) WHERE id = $1`,
        [id[key], state, days],
      );
    await age('old-sent', 'sent', 40);
    await age('old-suppressed', 'suppressed', 40);
    await age('old-error', 'error', 40);
    await age('new-sent', 'sent', 1);
    await age('old-working', 'sending', 40);
    await db.pool.query(
      `INSERT INTO deliveries (id, alert_id, receiver, channel, message_key, rendered)
       VALUES (gen_random_uuid(), $1, 'mail', 'email', 'k', '{}')`,
      [id['old-sent']],
    );

    const day = 86_400_000;
    const result = await pruneExpired(db.pool, { finishedMs: 30 * day, errorMs: 90 * day, batchSize: 1 });

    expect(result.alerts).toBe(2);
    const { rows } = await db.pool.query<{ identity_key: string }>('SELECT identity_key FROM alerts ORDER BY 1');
    expect(rows.map((row) => row.identity_key)).toEqual(['new-sent', 'old-error', 'old-working']);
    const orphans = await db.pool.query(
      `SELECT (SELECT count(*) FROM alert_transitions WHERE alert_id = ANY($1::uuid[]))::int AS history,
              (SELECT count(*) FROM deliveries WHERE alert_id = ANY($1::uuid[]))::int AS deliveries`,
      [[id['old-sent'], id['old-suppressed']]],
    );
    expect(orphans.rows[0]).toEqual({ history: 0, deliveries: 0 });
  });

  test('errors follow their own horizon, and 0 keeps forever', async ({ db }) => {
    const [ref] = await insertAlerts(db, [{ identityKey: 'e', body: {} }], actor);
    await db.pool.query(`UPDATE alerts SET state = 'error', state_changed_at = now() - interval '100 days' WHERE id = $1`, [
      ref!.id,
    ]);
    expect((await pruneExpired(db.pool, { finishedMs: 1, errorMs: 0, batchSize: 10 })).alerts).toBe(0);
    expect((await pruneExpired(db.pool, { finishedMs: 0, errorMs: 1, batchSize: 10 })).alerts).toBe(1);
  });

  test('silences that ended before the horizon are deleted', async ({ db }) => {
    await db.pool.query(
      `INSERT INTO silences (id, matchers, starts_at, ends_at, author, comment) VALUES
         (gen_random_uuid(), '[]', now() - interval '60 days', now() - interval '40 days', 'a', 'old'),
         (gen_random_uuid(), '[]', now() - interval '1 day', now() + interval '1 day', 'a', 'active')`,
    );
    expect((await pruneExpired(db.pool, { finishedMs: 30 * 86_400_000, errorMs: 0, batchSize: 10 })).silences).toBe(1);
    const { rows } = await db.pool.query<{ comment: string }>('SELECT comment FROM silences');
    expect(rows).toEqual([{ comment: 'active' }]);
  });
});
