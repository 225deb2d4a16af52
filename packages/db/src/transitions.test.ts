import { describe, expect } from 'vitest';
import { test } from './testing.ts';
import { insertAlerts } from './alerts.ts';
import { STAGES } from './states.ts';
import { claimAlerts, commitAttempts, failAlerts, inTransaction, renewClaims, sweepStranded } from './transitions.ts';

const a = { service: 'enricher', replica: 'a' };
const b = { service: 'enricher', replica: 'b' };
const enrich = STAGES.enrich;

async function seed(db: Parameters<typeof insertAlerts>[0], n: number): Promise<string[]> {
  const refs = await insertAlerts(
    db,
    Array.from({ length: n }, (_, i) => ({ identityKey: `k${i}`, body: { i } })),
    { service: 'ingest-api', replica: 'i' },
  );
  return refs.map((r) => r.id);
}

async function states(db: { pool: import('pg').Pool }, ids: string[]): Promise<string[]> {
  const { rows } = await db.pool.query('SELECT id, state FROM alerts WHERE id = ANY($1::uuid[])', [ids]);
  const byId = new Map(rows.map((r) => [r.id, r.state]));
  return ids.map((id) => byId.get(id));
}

describe('claimAlerts', () => {
  test('two replicas claiming the same batch at once never both win an alert', async ({ db }) => {
    const ids = await seed(db, 50);
    const [first, second] = await Promise.all([
      claimAlerts(db.pool, enrich, ids, a, 60_000),
      claimAlerts(db.pool, enrich, ids, b, 60_000),
    ]);
    const won = [...first.map((c) => c.id), ...second.map((c) => c.id)];
    expect(won.sort()).toEqual([...ids].sort());
    expect(new Set(won).size).toBe(ids.length);
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM alert_transitions WHERE to_state = 'enriching'`,
    );
    expect(rows[0].n).toBe(50);
  });

  test('a live claim is left alone; an expired one is taken over with the attempt counted', async ({ db }) => {
    const ids = await seed(db, 1);
    const [held] = await claimAlerts(db.pool, enrich, ids, a, 60_000);
    expect(held).toMatchObject({ claimedFrom: 'new', attempt: 1 });
    expect(await claimAlerts(db.pool, enrich, ids, b, 60_000)).toEqual([]);
    await db.pool.query(`UPDATE alerts SET claim_expires_at = now() - interval '1 second'`);
    const [taken] = await claimAlerts(db.pool, enrich, ids, b, 60_000);
    expect(taken).toMatchObject({ claimedFrom: 'enriching', attempt: 2 });
  });

  test('a claim returns only the stored parts the stage reads', async ({ db }) => {
    const ids = await seed(db, 2);
    await db.pool.query(
      `UPDATE alerts SET enrichment = '{"kind":"agent"}', analysis = '{"score":1}' WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const [enriching] = await claimAlerts(db.pool, enrich, [ids[0]!], a, 60_000);
    expect(enriching).toMatchObject({ body: { i: 0 }, enrichment: null, analysis: null });

    await db.pool.query(`UPDATE alerts SET state = 'formatted' WHERE id = $1`, [ids[1]]);
    const [sending] = await claimAlerts(db.pool, STAGES.send, [ids[1]!], a, 60_000);
    expect(sending).toMatchObject({ body: null, enrichment: null, analysis: null });

    await db.pool.query(`UPDATE alerts SET state = 'analyzed' WHERE id = $1`, [ids[1]]);
    const [formatting] = await claimAlerts(db.pool, STAGES.format, [ids[1]!], a, 60_000);
    expect(formatting).toMatchObject({
      body: { i: 1 },
      enrichment: { kind: 'agent' },
      analysis: { score: 1 },
    });
  });

  test('alerts in other states are not claimed', async ({ db }) => {
    const ids = await seed(db, 1);
    expect(await claimAlerts(db.pool, STAGES.analyze, ids, a, 60_000)).toEqual([]);
  });
});

describe('commitAttempts', () => {
  test('done moves to the output state with results; retry releases; fail errors', async ({ db }) => {
    const ids = await seed(db, 3);
    await claimAlerts(db.pool, enrich, ids, a, 60_000);
    const committed = await inTransaction(db.pool, (client) =>
      commitAttempts(
        client,
        enrich,
        [
          { kind: 'done', id: ids[0]!, enrichment: { kind: 'agent' } },
          { kind: 'retry', id: ids[1]!, error: 'wazuh api timed out' },
          { kind: 'fail', id: ids[2]!, error: 'alert body unreadable' },
        ],
        a,
      ),
    );
    expect(committed).toEqual(new Set(ids));
    expect(await states(db, ids)).toEqual(['enriched', 'enriching', 'error']);
    const { rows } = await db.pool.query(
      `SELECT a.id, a.enrichment, a.error, a.claimed_by, a.claim_expires_at <= now() AS released
         FROM alerts a WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(ids[0])).toMatchObject({ enrichment: { kind: 'agent' }, error: null });
    expect(byId.get(ids[1])).toMatchObject({ error: 'wazuh api timed out', claimed_by: 'a', released: true });
    expect(byId.get(ids[2])).toMatchObject({ error: 'alert body unreadable' });
    const history = await db.pool.query(
      `SELECT from_state, to_state, error FROM alert_transitions WHERE alert_id = $1 ORDER BY id`,
      [ids[1]],
    );
    expect(history.rows).toEqual([
      { from_state: null, to_state: 'new', error: null },
      { from_state: 'new', to_state: 'enriching', error: null },
      { from_state: 'enriching', to_state: 'enriching', error: 'wazuh api timed out' },
    ]);
  });

  test('the analyzer can end an alert as suppressed, with the reason in its history', async ({ db }) => {
    const ids = await seed(db, 1);
    await db.pool.query(`UPDATE alerts SET state = 'enriched'`);
    await claimAlerts(db.pool, STAGES.analyze, ids, a, 60_000);
    await inTransaction(db.pool, (client) =>
      commitAttempts(client, STAGES.analyze, [{ kind: 'done', id: ids[0]!, to: 'suppressed', note: 'silenced by s-1' }], a),
    );
    expect(await states(db, ids)).toEqual(['suppressed']);
    const { rows } = await db.pool.query(
      `SELECT from_state, to_state, error, reason FROM alert_transitions WHERE alert_id = $1 ORDER BY id DESC LIMIT 1`,
      [ids[0]],
    );
    expect(rows[0]).toEqual({ from_state: 'analyzing', to_state: 'suppressed', error: null, reason: 'silenced by s-1' });
  });

  test('a replica whose claim was taken over cannot commit', async ({ db }) => {
    const ids = await seed(db, 1);
    await claimAlerts(db.pool, enrich, ids, a, 60_000);
    await db.pool.query(`UPDATE alerts SET claim_expires_at = now() - interval '1 second'`);
    await claimAlerts(db.pool, enrich, ids, b, 60_000);
    const committed = await inTransaction(db.pool, (client) =>
      commitAttempts(client, enrich, [{ kind: 'done', id: ids[0]! }], a),
    );
    expect(committed.size).toBe(0);
    expect(await states(db, ids)).toEqual(['enriching']);
  });

  test('a move the state machine forbids is refused before anything is written', async ({ db }) => {
    const ids = await seed(db, 1);
    await claimAlerts(db.pool, enrich, ids, a, 60_000);
    await expect(
      inTransaction(db.pool, (client) =>
        commitAttempts(client, enrich, [{ kind: 'done', id: ids[0]!, to: 'sent' }], a),
      ),
    ).rejects.toThrow("invalid alert transition from 'enriching' to 'sent'");
    expect(await states(db, ids)).toEqual(['enriching']);
  });
});

describe('deferred alerts', () => {
  test('wait unheld until due, keep their deliveries, and are then swept regardless of grace', async ({ db }) => {
    const ids = await seed(db, 1);
    await claimAlerts(db.pool, enrich, ids, a, 60_000);
    await inTransaction(db.pool, (client) =>
      commitAttempts(client, enrich, [{ kind: 'defer', id: ids[0]!, delayMs: 60_000, reason: 'breaker smtp open' }], a),
    );
    const { rows } = await db.pool.query(
      `SELECT state, claimed_by, claim_expires_at > now() + interval '50 seconds' AS later FROM alerts`,
    );
    expect(rows[0]).toEqual({ state: 'enriching', claimed_by: null, later: true });
    const attempt = await db.pool.query('SELECT attempt FROM alerts');
    expect(attempt.rows[0].attempt).toBe(0);
    const options = { graceMs: 3_600_000, resweepAfterMs: 0, limit: 10 };
    expect(await sweepStranded(db.pool, enrich, options)).toEqual([]);
    expect(await claimAlerts(db.pool, enrich, ids, b, 60_000)).toEqual([]);

    await db.pool.query(`UPDATE alerts SET claim_expires_at = now() - interval '1 second'`);
    expect((await sweepStranded(db.pool, enrich, options)).map((s) => s.id)).toEqual(ids);
    const history = await db.pool.query(
      `SELECT to_state, error, reason FROM alert_transitions WHERE alert_id = $1 ORDER BY id DESC LIMIT 1`,
      [ids[0]],
    );
    expect(history.rows[0]).toEqual({ to_state: 'enriching', error: null, reason: 'breaker smtp open' });
  });
});

describe('retry with a delay', () => {
  test('records the error and waits unheld until due, like a deferral', async ({ db }) => {
    const ids = await seed(db, 1);
    await claimAlerts(db.pool, enrich, ids, a, 60_000);
    await inTransaction(db.pool, (client) =>
      commitAttempts(client, enrich, [{ kind: 'retry', id: ids[0]!, error: 'api 503', delayMs: 30_000 }], a),
    );
    const { rows } = await db.pool.query(
      `SELECT claimed_by, error, claim_expires_at > now() + interval '20 seconds' AS later FROM alerts`,
    );
    expect(rows[0]).toEqual({ claimed_by: null, error: 'api 503', later: true });
    expect(await sweepStranded(db.pool, enrich, { graceMs: 0, resweepAfterMs: 0, limit: 10 })).toEqual([]);
  });
});

describe('failAlerts', () => {
  test('keeps the last attempt error in the reason', async ({ db }) => {
    const ids = await seed(db, 1);
    await claimAlerts(db.pool, enrich, ids, a, 60_000);
    await inTransaction(db.pool, (client) =>
      commitAttempts(client, enrich, [{ kind: 'retry', id: ids[0]!, error: 'wazuh api 503' }], a),
    );
    await db.pool.query(`UPDATE alerts SET claim_expires_at = now() - interval '1 second'`);
    await failAlerts(db.pool, enrich, [{ id: ids[0]!, error: 'gave up after 5 deliveries' }], b);
    const { rows } = await db.pool.query('SELECT state, error FROM alerts WHERE id = $1', [ids[0]]);
    expect(rows[0]).toEqual({ state: 'error', error: 'gave up after 5 deliveries; last error: wazuh api 503' });
  });

  test('leaves an alert a live claim holds: a worker is on it right now', async ({ db }) => {
    const ids = await seed(db, 1);
    await claimAlerts(db.pool, enrich, ids, a, 60_000);
    expect(await failAlerts(db.pool, enrich, [{ id: ids[0]!, error: 'gave up' }], b)).toEqual(new Set());
    expect(await states(db, ids)).toEqual(['enriching']);
  });

  test('moves working alerts to error with the reason, and leaves others', async ({ db }) => {
    const ids = await seed(db, 2);
    await claimAlerts(db.pool, enrich, [ids[0]!], a, 60_000);
    await db.pool.query(`UPDATE alerts SET claim_expires_at = now() - interval '1 second'`);
    const moved = await failAlerts(db.pool, enrich, ids.map((id) => ({ id, error: 'gave up after 5 deliveries' })), b);
    expect(moved).toEqual(new Set([ids[0]]));
    expect(await states(db, ids)).toEqual(['error', 'new']);
    const { rows } = await db.pool.query('SELECT error FROM alerts WHERE id = $1', [ids[0]]);
    expect(rows[0].error).toBe('gave up after 5 deliveries');
  });
});

describe('history attempts', () => {
  test('a move on records the attempt that made it, not the reset counter', async ({ db }) => {
    const ids = await seed(db, 1);
    await claimAlerts(db.pool, enrich, ids, a, 60_000);
    await inTransaction(db.pool, (client) => commitAttempts(client, enrich, [{ kind: 'done', id: ids[0]! }], a));
    const { rows } = await db.pool.query(
      `SELECT to_state, attempt FROM alert_transitions WHERE alert_id = $1 ORDER BY id`,
      [ids[0]],
    );
    expect(rows).toEqual([
      { to_state: 'new', attempt: 0 },
      { to_state: 'enriching', attempt: 1 },
      { to_state: 'enriched', attempt: 1 },
    ]);
  });
});

describe('renewClaims', () => {
  test('keeps a slow batch from being taken over, and tells a replica what it lost', async ({ db }) => {
    const ids = await seed(db, 2);
    await claimAlerts(db.pool, enrich, ids, a, 1_000);
    await db.pool.query(`UPDATE alerts SET claimed_by = 'someone-else' WHERE id = $1`, [ids[1]]);
    expect(await renewClaims(db.pool, enrich, ids, a, 60_000)).toEqual(new Set([ids[0]]));
    const { rows } = await db.pool.query(
      `SELECT claim_expires_at > now() + interval '50 seconds' AS renewed FROM alerts WHERE id = $1`,
      [ids[0]],
    );
    expect(rows[0].renewed).toBe(true);
    expect(await claimAlerts(db.pool, enrich, [ids[0]!], b, 60_000)).toEqual([]);
  });
});

describe('sweepStranded', () => {
  test('leaves input-state alerts that reached the stream after the group read up to', async ({ db }) => {
    const ids = await seed(db, 2);
    await db.pool.query(`UPDATE alerts SET state_changed_at = now() - interval '10 minutes' WHERE id = $1`, [ids[0]]);
    await db.pool.query(`UPDATE alerts SET state_changed_at = now() - interval '2 minutes' WHERE id = $1`, [ids[1]]);
    const deliveredThrough = new Date(Date.now() - 5 * 60_000);
    const swept = await sweepStranded(db.pool, enrich, { graceMs: 1_000, resweepAfterMs: 1_000, limit: 10, deliveredThrough });
    expect(swept.map((s) => s.id)).toEqual([ids[0]]);
  });

  test('returns alerts left in the input state or with long-expired claims, once per grace period', async ({ db }) => {
    const ids = await seed(db, 3);
    await claimAlerts(db.pool, enrich, [ids[1]!], a, 60_000);
    await claimAlerts(db.pool, enrich, [ids[2]!], a, 60_000);
    await db.pool.query(
      `UPDATE alerts SET state_changed_at = now() - interval '1 minute',
              claim_expires_at = CASE WHEN id = $1 THEN now() - interval '1 minute' ELSE claim_expires_at END`,
      [ids[1]],
    );
    const options = { graceMs: 10_000, resweepAfterMs: 10_000, limit: 100 };
    const swept = await sweepStranded(db.pool, enrich, options);
    expect(swept.map((s) => s.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect(await sweepStranded(db.pool, enrich, options)).toEqual([]);
    expect(await sweepStranded(db.pool, enrich, { ...options, graceMs: 0 })).toEqual([]);
  });
});
