import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { waitFor } from '@herald/testkit';
import { test } from './testing.ts';
import type { Database } from './client.ts';
import { retryFailedAlerts } from './retry.ts';
import { claimAlerts, sweepStranded } from './transitions.ts';
import { enrich, fail, operator, row, seed, worker } from './retry-test-support.ts';

async function addDelivery(db: Database, alertId: string, receiver: string, status: string) {
  await db.pool.query(
    `INSERT INTO deliveries (id, alert_id, receiver, channel, status, attempts, message_key, rendered, last_error)
     VALUES ($1, $2, $3, 'email', $4, 2, $5, '{}', $6)`,
    [
      randomUUID(),
      alertId,
      receiver,
      status,
      `${alertId}.${receiver}`,
      status === 'failed' ? '550 mailbox unknown' : null,
    ],
  );
}

describe('retryFailedAlerts by id', () => {
  test('moves an alert in error to new, counted, with its claim, error and sweep mark cleared', async ({
    db,
  }) => {
    const [id] = await seed(db, 1);
    // Swept once before it failed: the mark must not delay the sweep of the retried alert.
    await db.pool.query('UPDATE alerts SET swept_at = now()');
    await fail(db, [id!]);

    const result = await retryFailedAlerts(db.pool, { ids: [id!] }, operator, { maxRetries: 3 });

    expect(result).toEqual({ retried: [id], skipped: [] });
    expect(await row(db, id!)).toMatchObject({
      state: 'new',
      retries: 1,
      attempt: 0,
      error: null,
      claimed_by: null,
      claim_expires_at: null,
      swept_at: null,
      changed_now: true,
    });
    const { rows } = await db.pool.query(
      `SELECT from_state, to_state, service, replica, attempt, error, reason
         FROM alert_transitions WHERE alert_id = $1 ORDER BY id DESC LIMIT 1`,
      [id],
    );
    expect(rows[0]).toEqual({
      from_state: 'error',
      to_state: 'new',
      service: 'herald-db',
      replica: 'ops-host',
      attempt: 0,
      error: null,
      reason: 'retried by herald-db',
    });
  });

  test('puts failed deliveries back to pending and leaves delivered ones delivered', async ({
    db,
  }) => {
    const [id, other] = await seed(db, 2);
    await fail(db, [id!, other!]);
    await addDelivery(db, id!, 'ops', 'delivered');
    await addDelivery(db, id!, 'soc', 'failed');
    await addDelivery(db, other!, 'soc', 'failed');

    await retryFailedAlerts(db.pool, { ids: [id!] }, operator, { maxRetries: 3 });

    const { rows } = await db.pool.query(
      `SELECT alert_id, receiver, status, attempts FROM deliveries ORDER BY alert_id = $1 DESC, receiver`,
      [id],
    );
    expect(rows).toEqual([
      { alert_id: id, receiver: 'ops', status: 'delivered', attempts: 2 },
      { alert_id: id, receiver: 'soc', status: 'pending', attempts: 2 },
      // Another alert's failed delivery is not this retry's.
      { alert_id: other, receiver: 'soc', status: 'failed', attempts: 2 },
    ]);
  });

  test('skips, in the order named, alerts not in error, unknown ids and malformed ids', async ({
    db,
  }) => {
    const [inError, fresh] = await seed(db, 2);
    await fail(db, [inError!]);
    const unknown = randomUUID();

    const result = await retryFailedAlerts(
      db.pool,
      { ids: [fresh!, unknown, inError!.toUpperCase(), 'not-a-uuid', inError!] },
      operator,
      { maxRetries: 3 },
    );

    expect(result).toEqual({
      retried: [inError],
      skipped: [
        { id: fresh, reason: 'not in error', state: 'new', retries: 0 },
        { id: unknown, reason: 'unknown id' },
        { id: 'not-a-uuid', reason: 'unknown id' },
      ],
    });
    expect((await row(db, fresh!)).state).toBe('new');
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM alert_transitions WHERE reason LIKE 'retried by %'`,
    );
    expect(rows[0].n).toBe(1);
  });

  test('refuses an alert that has had maxRetries retries: a poison alert stays in error', async ({
    db,
  }) => {
    const [id] = await seed(db, 1);
    for (let round = 1; round <= 2; round += 1) {
      await fail(db, [id!], `failure ${round}`);
      const result = await retryFailedAlerts(db.pool, { ids: [id!] }, operator, { maxRetries: 2 });
      expect(result.retried).toEqual([id]);
    }
    await fail(db, [id!], 'failure 3');

    const refused = await retryFailedAlerts(db.pool, { ids: [id!] }, operator, { maxRetries: 2 });

    expect(refused).toEqual({
      retried: [],
      skipped: [{ id, reason: 'retry limit reached', state: 'error', retries: 2 }],
    });
    expect(await row(db, id!)).toMatchObject({ state: 'error', retries: 2 });
    // A raised cap lets the operator send it once more.
    const raised = await retryFailedAlerts(db.pool, { ids: [id!] }, operator, { maxRetries: 3 });
    expect(raised.retried).toEqual([id]);
    // maxRetries 0: no retries at all.
    await fail(db, [id!]);
    const none = await retryFailedAlerts(db.pool, { ids: [id!] }, operator, { maxRetries: 0 });
    expect(none.skipped).toMatchObject([{ reason: 'retry limit reached' }]);
  });

  test('of two operators retrying the same alert at once, one retries it; the other is told where it is now', async ({
    db,
  }) => {
    const ids = await seed(db, 20);
    await fail(db, ids);
    // The first retry holds its locks, uncommitted, until the second is waiting on them.
    const first = await db.pool.connect();
    try {
      await first.query('BEGIN');
      const won = await retryFailedAlerts(first, { ids }, operator, { maxRetries: 3 });
      const second = retryFailedAlerts(
        db.pool,
        { ids: [...ids].reverse() },
        { ...operator, replica: 'b' },
        { maxRetries: 3 },
      );
      await waitFor('the second retry to wait for the locks', async () => {
        const { rows } = await db.pool.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0].n > 0;
      });
      await first.query('COMMIT');
      const lost = await second;

      expect(won.retried).toEqual(ids);
      expect(lost.retried).toEqual([]);
      // Its snapshot saw the alerts in error; the answer says where they are now.
      expect(lost.skipped).toEqual(
        [...ids].reverse().map((id) => ({ id, reason: 'not in error', state: 'new', retries: 1 })),
      );
    } finally {
      first.release();
    }
    const { rows } = await db.pool.query(
      `SELECT max(retries)::int AS retries,
              (SELECT count(*)::int FROM alert_transitions WHERE from_state = 'error') AS moves
         FROM alerts`,
    );
    expect(rows[0]).toEqual({ retries: 1, moves: 20 });
  });

  test('a retried alert is claimed by the enrich stage from new, attempt 1', async ({ db }) => {
    const [id] = await seed(db, 1);
    await fail(db, [id!]);
    expect(await claimAlerts(db.pool, enrich, [id!], worker, 60_000)).toEqual([]);

    await retryFailedAlerts(db.pool, { ids: [id!] }, operator, { maxRetries: 3 });

    const [claimed] = await claimAlerts(db.pool, enrich, [id!], worker, 60_000);
    expect(claimed).toMatchObject({
      id,
      claimedFrom: 'new',
      attempt: 1,
      retries: 1,
      lastError: null,
    });
  });

  test("the enricher's sweeper finds a retried alert once it has waited the hand-off grace", async ({
    db,
  }) => {
    const [id] = await seed(db, 1);
    await db.pool.query(`UPDATE alerts SET state_changed_at = now() - interval '1 hour'`);
    await fail(db, [id!]);
    await db.pool.query(
      `UPDATE alerts SET state_changed_at = now() - interval '1 hour', swept_at = now()`,
    );
    await retryFailedAlerts(db.pool, { ids: [id!] }, operator, { maxRetries: 3 });
    const sweep = { resweepAfterMs: 3_600_000, limit: 10 };

    // Just retried: within the grace, as an alert whose publish may still be on its way.
    expect(await sweepStranded(db.pool, enrich, { ...sweep, graceMs: 60_000 })).toEqual([]);
    await db.pool.query(`UPDATE alerts SET state_changed_at = now() - interval '61 seconds'`);
    expect(await sweepStranded(db.pool, enrich, { ...sweep, graceMs: 60_000 })).toEqual([
      { id, attempt: 0 },
    ]);
  });

  test('checks its options', async ({ db }) => {
    await expect(
      retryFailedAlerts(db.pool, { ids: [] }, operator, { maxRetries: -1 }),
    ).rejects.toThrow('maxRetries must be a whole number >= 0, got -1');
    await expect(
      retryFailedAlerts(db.pool, { all: true, limit: 0 }, operator, { maxRetries: 3 }),
    ).rejects.toThrow('limit must be a whole number >= 1, got 0');
    expect(await retryFailedAlerts(db.pool, { ids: [] }, operator, { maxRetries: 3 })).toEqual({
      retried: [],
      skipped: [],
    });
  });
});

describe('retryFailedAlerts for all alerts in error', () => {
  test('retries the oldest up to the limit, reports those at the cap, leaves other states', async ({
    db,
  }) => {
    const ids = await seed(db, 6);
    const [fresh] = await seed(db, 1, 'fresh');
    await fail(db, ids);
    // Oldest first: ids[0] failed longest ago.
    await db.pool.query(
      `UPDATE alerts SET state_changed_at = now() - make_interval(mins => (100 - i)::int)
         FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, i) WHERE alerts.id = t.id`,
      [ids],
    );
    await db.pool.query('UPDATE alerts SET retries = 3 WHERE id = $1', [ids[1]]);

    const first = await retryFailedAlerts(db.pool, { all: true, limit: 3 }, operator, {
      maxRetries: 3,
    });

    expect([...first.retried].sort()).toEqual([ids[0], ids[2], ids[3]].sort());
    expect(first.skipped).toEqual([
      { id: ids[1], reason: 'retry limit reached', state: 'error', retries: 3 },
    ]);
    const second = await retryFailedAlerts(db.pool, { all: true, limit: 3 }, operator, {
      maxRetries: 3,
    });
    expect([...second.retried].sort()).toEqual([ids[4], ids[5]].sort());
    expect((await row(db, fresh!)).state).toBe('new');
    const { rows } = await db.pool.query(`SELECT id FROM alerts WHERE state = 'error'`);
    expect(rows.map((r) => r.id)).toEqual([ids[1]]);
  });

  test('a retry of everything passes over alerts another retry holds, without waiting', async ({
    db,
  }) => {
    const ids = await seed(db, 40);
    await fail(db, ids);
    const first = await db.pool.connect();
    try {
      await first.query('BEGIN');
      const held = await retryFailedAlerts(first, { all: true, limit: 10 }, operator, {
        maxRetries: 3,
      });

      // Answers while the first is still open: had it waited for the locks, it would hang.
      const rest = await retryFailedAlerts(
        db.pool,
        { all: true, limit: 1000 },
        { ...operator, replica: 'b' },
        { maxRetries: 3 },
      );
      await first.query('COMMIT');

      expect(held.retried).toHaveLength(10);
      expect(rest.retried).toHaveLength(30);
      expect([...held.retried, ...rest.retried].sort()).toEqual([...ids].sort());
    } finally {
      first.release();
    }
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM alert_transitions WHERE from_state = 'error'`,
    );
    expect(rows[0].n).toBe(40);
  });
});
