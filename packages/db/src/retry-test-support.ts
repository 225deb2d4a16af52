/** Setup shared by the tests of retryFailedAlerts and of the `herald-db retry` command. */
import { expect } from 'vitest';
import type { Database } from './client.ts';
import { insertAlerts } from './alerts.ts';
import { STAGES } from './states.ts';
import { claimAlerts, failAlerts } from './transitions.ts';

/** The operator a retry is recorded as. */
export const operator = { service: 'herald-db', replica: 'ops-host' };
/** The stage worker that claims and fails alerts. */
export const worker = { service: 'enricher', replica: 'w1' };
/** The stage the failed alerts were in. */
export const enrich = STAGES.enrich;

/** Stores `n` new alerts with identity keys `${prefix}0`, `${prefix}1`...; returns their ids. */
export async function seed(db: Database, n: number, prefix = 'k'): Promise<string[]> {
  const refs = await insertAlerts(
    db,
    Array.from({ length: n }, (_, i) => ({ identityKey: `${prefix}${i}`, body: { i } })),
    { service: 'ingest-api', replica: 'i' },
  );
  return refs.map((r) => r.id);
}

/** Takes alerts through a claim to `error`, as a stage gives up on them. */
export async function fail(db: Database, ids: string[], error = 'wazuh api down'): Promise<void> {
  await claimAlerts(db.pool, enrich, ids, worker, 60_000);
  await db.pool.query(`UPDATE alerts SET claim_expires_at = now() - interval '1 second'`);
  const moved = await failAlerts(
    db.pool,
    enrich,
    ids.map((id) => ({ id, error })),
    worker,
  );
  expect(moved.size).toBe(ids.length);
}

/** The retry-relevant columns of one alert, and whether its state changed just now. */
export async function row(db: Database, id: string) {
  const { rows } = await db.pool.query(
    `SELECT state, retries, attempt, error, claimed_by, claim_expires_at, swept_at,
            state_changed_at > now() - interval '5 seconds' AS changed_now
       FROM alerts WHERE id = $1`,
    [id],
  );
  return rows[0];
}
