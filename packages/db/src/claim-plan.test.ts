import type pg from 'pg';
import { describe, expect } from 'vitest';
import { insertAlerts } from './alerts.ts';
import type { Database } from './client.ts';
import { lockAlerts } from './locked-transitions.ts';
import { STAGES } from './states.ts';
import { test } from './testing.ts';
import { claimAlerts, commitAttempts, failAlerts, renewClaims } from './transitions.ts';

const enrich = STAGES.enrich;
const STATE_INDEX = 'alerts_state_state_changed_at_idx';

/**
 * A long-lived installation as the planner sees it when a backlog builds: statistics taken
 * while every stored alert was finished, then a backlog in `new` they know nothing of.
 */
async function backlogUnknownToStatistics(db: Database): Promise<string[]> {
  const refs = await insertAlerts(
    db,
    Array.from({ length: 3000 }, (_, i) => ({ identityKey: `plan${i}`, body: { i } })),
    { service: 'ingest-api', replica: 'i' },
  );
  const ids = refs.map((ref) => ref.id);
  await db.pool.query(`UPDATE alerts SET state = 'sent'`);
  await db.pool.query('ANALYZE alerts');
  await db.pool.query(`UPDATE alerts SET state = 'new' WHERE id = ANY($1::uuid[])`, [
    ids.slice(0, 2000),
  ]);
  return ids.slice(0, 10);
}

/** Runs `work` on a connection that reports the plan of every statement it runs. */
async function withPlans(db: Database, work: (client: pg.PoolClient) => Promise<void>) {
  const client = await db.pool.connect();
  const plans: string[] = [];
  const onNotice = (notice: { message?: string }) => plans.push(notice.message ?? '');
  client.on('notice', onNotice);
  try {
    await client.query(`LOAD 'auto_explain'`);
    await client.query('SET auto_explain.log_min_duration = 0');
    await client.query(`SET auto_explain.log_level = 'notice'`);
    await client.query('SET auto_explain.log_nested_statements = on');
    await work(client);
  } finally {
    client.off('notice', onNotice);
    client.release(true);
  }
  return plans.join('\n');
}

describe('the claim finds alerts by id whatever the statistics say', () => {
  test('an index-servable state test would scan the backlog: the setup reproduces it', async ({
    db,
  }) => {
    const ids = await backlogUnknownToStatistics(db);
    const { rows } = await db.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT id FROM alerts
        WHERE id = ANY($1::uuid[]) AND (state = 'new' OR (state = 'enriching' AND claim_expires_at < now()))`,
      [ids],
    );
    expect(rows.map((row) => row['QUERY PLAN']).join('\n')).toContain(STATE_INDEX);
  });

  test('claimAlerts and lockAlerts read the primary key, not the state index', async ({ db }) => {
    const ids = await backlogUnknownToStatistics(db);
    const plans = await withPlans(db, async (client) => {
      expect(
        await claimAlerts(client, enrich, ids.slice(0, 5), { service: 's', replica: 'r' }, 60_000),
      ).toHaveLength(5);
      await client.query('BEGIN');
      expect(await lockAlerts(client, enrich, ids.slice(5))).toHaveLength(5);
      await client.query('ROLLBACK');
    });
    expect(plans.match(/alerts_pkey/g)?.length).toBeGreaterThanOrEqual(2);
    expect(plans).not.toContain(STATE_INDEX);
  });
});

/**
 * The same blind spot one state on: statistics taken while nothing waited, then a backlog in
 * the working state (deferred at an open breaker, waiting out a retry's backoff).
 */
async function workingBacklogUnknownToStatistics(db: Database): Promise<string[]> {
  const refs = await insertAlerts(
    db,
    Array.from({ length: 3000 }, (_, i) => ({ identityKey: `work${i}`, body: { i } })),
    { service: 'ingest-api', replica: 'i' },
  );
  const ids = refs.map((ref) => ref.id);
  await db.pool.query(`UPDATE alerts SET state = 'sent'`);
  await db.pool.query('ANALYZE alerts');
  await db.pool.query(
    `UPDATE alerts SET state = 'enriching', claimed_by = NULL,
            claim_expires_at = now() + interval '1 hour' WHERE id = ANY($1::uuid[])`,
    [ids.slice(10, 2010)],
  );
  await db.pool.query(`UPDATE alerts SET state = 'new' WHERE id = ANY($1::uuid[])`, [
    ids.slice(0, 10),
  ]);
  return ids;
}

describe('the statements after the claim find alerts by id too', () => {
  test('renewClaims, commitAttempts and failAlerts read the primary key, not the state index', async ({
    db,
  }) => {
    const ids = await workingBacklogUnknownToStatistics(db);
    const actor = { service: 's', replica: 'r' };
    const plans = await withPlans(db, async (client) => {
      await client.query('BEGIN');
      const claimed = await claimAlerts(client, enrich, ids.slice(0, 5), actor, 60_000);
      expect(await renewClaims(client, enrich, ids.slice(0, 5), actor, 60_000)).toHaveLength(5);
      const results = claimed.map((alert) => ({ kind: 'done' as const, id: alert.id }));
      expect(await commitAttempts(client, enrich, results, actor)).toHaveLength(5);
      // Deferred alerts, held by nobody: the give-up may move them.
      const failures = ids.slice(10, 15).map((id) => ({ id, error: 'too many deliveries' }));
      expect(await failAlerts(client, enrich, failures, actor)).toHaveLength(5);
      await client.query('ROLLBACK');
    });
    expect(plans).toContain('alerts_pkey');
    expect(plans).not.toContain(STATE_INDEX);
  });
});
