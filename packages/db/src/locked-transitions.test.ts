import type pg from 'pg';
import { describe, expect } from 'vitest';
import { insertAlerts } from './alerts.ts';
import type { Database } from './client.ts';
import { commitLockedAttempts, lockAlerts } from './locked-transitions.ts';
import { STAGES, type StageStates } from './states.ts';
import { test } from './testing.ts';
import {
  claimAlerts,
  commitAttempts,
  failAlerts,
  inTransaction,
  sweepStranded,
  type AttemptResult,
} from './transitions.ts';

const a = { service: 'enricher', replica: 'a' };
const b = { service: 'enricher', replica: 'b' };
const enrich = STAGES.enrich;

async function seed(db: Pick<Database, 'pool'>, n: number, prefix = 'k'): Promise<string[]> {
  const refs = await insertAlerts(
    db,
    Array.from({ length: n }, (_, i) => ({ identityKey: `${prefix}${i}`, body: { i } })),
    { service: 'ingest-api', replica: 'i' },
  );
  return refs.map((r) => r.id);
}

/** An open transaction on its own connection, for holding locks while another one runs. */
async function openTransaction(
  pool: pg.Pool,
): Promise<{ client: pg.PoolClient; end: () => Promise<void> }> {
  const client = await pool.connect();
  await client.query('BEGIN');
  return {
    client,
    end: async () => {
      await client.query('ROLLBACK');
      client.release();
    },
  };
}

async function history(pool: pg.Pool, id: string) {
  const { rows } = await pool.query(
    `SELECT from_state, to_state, replica, attempt, error, reason
       FROM alert_transitions WHERE alert_id = $1 ORDER BY id`,
    [id],
  );
  return rows;
}

async function row(pool: pg.Pool, id: string) {
  const { rows } = await pool.query(
    `SELECT state, attempt, claimed_by, error, enrichment, analysis,
            claim_expires_at IS NULL AS unclaimed,
            claim_expires_at <= now() AS expired,
            claim_expires_at > now() + interval '20 seconds' AS later
       FROM alerts WHERE id = $1`,
    [id],
  );
  return rows[0];
}

describe('lockAlerts', () => {
  test('two transactions locking the same batch never both get an alert, and write nothing', async ({
    db,
  }) => {
    const ids = await seed(db, 50);
    const first = await openTransaction(db.pool);
    const second = await openTransaction(db.pool);
    try {
      const [one, two] = await Promise.all([
        lockAlerts(first.client, enrich, ids),
        lockAlerts(second.client, enrich, ids),
      ]);
      const won = [...one.map((c) => c.id), ...two.map((c) => c.id)];
      expect(won.sort()).toEqual([...ids].sort());
      expect(new Set(won).size).toBe(ids.length);
      expect(
        await lockAlerts(
          second.client,
          enrich,
          one.map((c) => c.id),
        ),
      ).toEqual([]);
    } finally {
      await first.end();
      await second.end();
    }
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM alerts WHERE state = 'new' AND attempt = 0 AND claimed_by IS NULL`,
    );
    expect(rows[0].n).toBe(50);
    const transitions = await db.pool.query(`SELECT count(*)::int AS n FROM alert_transitions`);
    expect(transitions.rows[0].n).toBe(50);
  });

  test('takes the input state as attempt 1, a due working alert as its attempt + 1, and leaves live claims', async ({
    db,
  }) => {
    const [fresh, due, held, later] = await seed(db, 4);
    await db.pool.query(
      `UPDATE alerts SET state = 'enriching', attempt = 2, claimed_by = NULL,
              claim_expires_at = now() - interval '1 second', error = 'api 503' WHERE id = $1`,
      [due],
    );
    await claimAlerts(db.pool, enrich, [held!], b, 60_000);
    await db.pool.query(
      `UPDATE alerts SET state = 'enriching', claimed_by = NULL,
              claim_expires_at = now() + interval '1 minute' WHERE id = $1`,
      [later],
    );
    const locked = await inTransaction(db.pool, (client) =>
      lockAlerts(client, enrich, [fresh!, due!, held!, later!]),
    );
    const byId = new Map(locked.map((alert) => [alert.id, alert]));
    expect(byId.size).toBe(2);
    expect(byId.get(fresh!)).toMatchObject({ claimedFrom: 'new', attempt: 1, lastError: null });
    expect(byId.get(due!)).toMatchObject({
      claimedFrom: 'enriching',
      attempt: 3,
      lastError: 'api 503',
    });
  });

  test('returns only the stored parts the stage reads', async ({ db }) => {
    const ids = await seed(db, 2);
    await db.pool.query(
      `UPDATE alerts SET enrichment = '{"kind":"agent"}', analysis = '{"score":1}' WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const [enriching] = await inTransaction(db.pool, (client) =>
      lockAlerts(client, enrich, [ids[0]!]),
    );
    expect(enriching).toMatchObject({ body: { i: 0 }, enrichment: null, analysis: null });
    await db.pool.query(`UPDATE alerts SET state = 'formatted' WHERE id = $1`, [ids[1]]);
    const [sending] = await inTransaction(db.pool, (client) =>
      lockAlerts(client, STAGES.send, [ids[1]!]),
    );
    expect(sending).toMatchObject({ body: null, enrichment: null, analysis: null });
    await db.pool.query(`UPDATE alerts SET state = 'analyzed' WHERE id = $1`, [ids[1]]);
    const [formatting] = await inTransaction(db.pool, (client) =>
      lockAlerts(client, STAGES.format, [ids[1]!]),
    );
    expect(formatting).toMatchObject({
      body: { i: 1 },
      enrichment: { kind: 'agent' },
      analysis: { score: 1 },
    });
  });

  test('a claiming replica and the sweeper skip what a transaction holds, and find it after a rollback', async ({
    db,
  }) => {
    const ids = await seed(db, 1);
    await db.pool.query(`UPDATE alerts SET state_changed_at = now() - interval '1 minute'`);
    const options = { graceMs: 1_000, resweepAfterMs: 0, limit: 10 };
    const holder = await openTransaction(db.pool);
    try {
      expect(await lockAlerts(holder.client, enrich, ids)).toHaveLength(1);
      expect(await sweepStranded(db.pool, enrich, options)).toEqual([]);
      expect(await claimAlerts(db.pool, enrich, ids, b, 60_000)).toEqual([]);
    } finally {
      await holder.end();
    }
    expect((await sweepStranded(db.pool, enrich, options)).map((s) => s.id)).toEqual(ids);
  });
});

describe('commitLockedAttempts', () => {
  test('writes each result straight from the locked state, with the claim and the result in the history', async ({
    db,
  }) => {
    const ids = await seed(db, 3);
    const committed = await inTransaction(db.pool, async (client) => {
      const locked = await lockAlerts(client, enrich, ids);
      await client.query('SELECT pg_sleep(0.05)');
      return commitLockedAttempts(
        client,
        enrich,
        locked,
        [
          { kind: 'done', id: ids[0]!, enrichment: { kind: 'agent' } },
          { kind: 'retry', id: ids[1]!, error: 'wazuh api timed out' },
          { kind: 'fail', id: ids[2]!, error: 'alert body unreadable' },
        ],
        a,
      );
    });
    expect(committed).toEqual(new Set(ids));
    expect(await row(db.pool, ids[0]!)).toMatchObject({
      state: 'enriched',
      attempt: 0,
      enrichment: { kind: 'agent' },
      error: null,
      unclaimed: true,
    });
    expect(await row(db.pool, ids[1]!)).toMatchObject({
      state: 'enriching',
      attempt: 1,
      claimed_by: 'a',
      expired: true,
      error: 'wazuh api timed out',
    });
    expect(await row(db.pool, ids[2]!)).toMatchObject({
      state: 'error',
      attempt: 1,
      error: 'alert body unreadable',
    });
    expect(await history(db.pool, ids[0]!)).toEqual([
      { from_state: null, to_state: 'new', replica: 'i', attempt: 0, error: null, reason: null },
      {
        from_state: 'new',
        to_state: 'enriching',
        replica: 'a',
        attempt: 1,
        error: null,
        reason: null,
      },
      {
        from_state: 'enriching',
        to_state: 'enriched',
        replica: 'a',
        attempt: 1,
        error: null,
        reason: null,
      },
    ]);
    expect((await history(db.pool, ids[2]!)).at(-1)).toMatchObject({
      from_state: 'enriching',
      to_state: 'error',
      error: 'alert body unreadable',
    });

    // The claim row is stamped when the batch was locked, the result when the work ended.
    const { rows } = await db.pool.query(
      `SELECT max(at) - min(at) >= interval '40 milliseconds' AS apart FROM alert_transitions
        WHERE alert_id = $1 AND from_state IS NOT NULL`,
      [ids[0]],
    );
    expect(rows[0].apart).toBe(true);
    const changed = await db.pool.query(
      `SELECT a.state_changed_at = t.at AS same FROM alerts a
         JOIN alert_transitions t ON t.alert_id = a.id AND t.to_state = 'enriched' WHERE a.id = $1`,
      [ids[0]],
    );
    expect(changed.rows[0].same).toBe(true);
  });

  test('a move the state machine forbids is refused before anything is written', async ({ db }) => {
    const ids = await seed(db, 1);
    await expect(
      inTransaction(db.pool, async (client) => {
        const locked = await lockAlerts(client, enrich, ids);
        return commitLockedAttempts(
          client,
          enrich,
          locked,
          [{ kind: 'done', id: ids[0]!, to: 'sent' }],
          a,
        );
      }),
    ).rejects.toThrow("invalid alert transition from 'enriching' to 'sent'");
    expect(await row(db.pool, ids[0]!)).toMatchObject({ state: 'new', attempt: 0 });
  });

  test('ignores results for alerts it did not lock', async ({ db }) => {
    const ids = await seed(db, 2);
    const committed = await inTransaction(db.pool, async (client) => {
      const locked = await lockAlerts(client, enrich, [ids[0]!]);
      return commitLockedAttempts(
        client,
        enrich,
        locked,
        ids.map((id) => ({ kind: 'done', id })),
        a,
      );
    });
    expect(committed).toEqual(new Set([ids[0]]));
    expect((await row(db.pool, ids[1]!)).state).toBe('new');
  });
});

type Mode = 'claims' | 'in-commit';

/** One attempt at `stage` on `id`, as the claim mode or the one-transaction mode writes it. */
async function attempt(
  db: Pick<Database, 'pool'>,
  mode: Mode,
  stage: StageStates,
  id: string,
  result: (attempt: number) => AttemptResult,
): Promise<void> {
  if (mode === 'claims') {
    const [claimed] = await claimAlerts(db.pool, stage, [id], a, 60_000);
    await inTransaction(db.pool, (client) =>
      commitAttempts(client, stage, [result(claimed!.attempt)], a),
    );
    return;
  }
  await inTransaction(db.pool, async (client) => {
    const locked = await lockAlerts(client, stage, [id]);
    await commitLockedAttempts(client, stage, locked, [result(locked[0]!.attempt)], a);
  });
}

/** Makes a retried or deferred alert due now, as the passing of its delay would. */
async function makeDue(db: Pick<Database, 'pool'>, id: string): Promise<void> {
  await db.pool.query(
    `UPDATE alerts SET claim_expires_at = now() - interval '1 second' WHERE id = $1`,
    [id],
  );
}

describe('one transaction writes what claim and commit write', () => {
  // Each case runs in both modes on its own alert; the alert rows and histories must match.
  const cases: {
    name: string;
    stage: StageStates;
    from?: string;
    steps: ((n: number) => AttemptResult)[];
  }[] = [
    {
      name: 'a retry with a delay, then success',
      stage: enrich,
      steps: [
        (n) => ({ kind: 'retry', id: '', error: `503 on attempt ${n}`, delayMs: 30_000 }),
        () => ({ kind: 'done', id: '', enrichment: { ok: true } }),
      ],
    },
    {
      name: 'a deferral gives its attempt back, then a failure',
      stage: enrich,
      steps: [
        () => ({ kind: 'defer', id: '', delayMs: 30_000, reason: 'breaker open' }),
        () => ({ kind: 'fail', id: '', error: 'unreadable' }),
      ],
    },
    {
      name: 'a retry without a delay keeps the claim named and expired',
      stage: enrich,
      steps: [
        (n) => ({ kind: 'retry', id: '', error: `reset ${n}` }),
        (n) => ({ kind: 'retry', id: '', error: `reset ${n}` }),
      ],
    },
    {
      name: 'the analyzer suppresses with its reason',
      stage: STAGES.analyze,
      from: 'enriched',
      steps: [
        () => ({
          kind: 'done',
          id: '',
          to: 'suppressed',
          note: 'silenced by s-1',
          analysis: { score: 2 },
        }),
      ],
    },
  ];
  for (const { name, stage, from, steps } of cases) {
    test(name, async ({ db }) => {
      const outcome: Record<Mode, unknown> = { claims: undefined, 'in-commit': undefined };
      for (const mode of ['claims', 'in-commit'] as const) {
        const [id] = await seed(db, 1, mode);
        if (from) await db.pool.query(`UPDATE alerts SET state = $2 WHERE id = $1`, [id, from]);
        for (const step of steps) {
          await makeDue(db, id!);
          await attempt(db, mode, stage, id!, (n) => ({ ...step(n), id: id! }));
        }
        outcome[mode] = { stored: await row(db.pool, id!), history: await history(db.pool, id!) };
      }
      expect(outcome['in-commit']).toEqual(outcome.claims);
    });
  }
});
