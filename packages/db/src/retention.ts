import type pg from 'pg';

/** How long finished alerts are kept, and how much one statement deletes. */
export interface RetentionPolicy {
  /** Alerts `sent` or `suppressed` longer ago than this are deleted; 0 keeps them forever. */
  finishedMs: number;
  /** Alerts in `error` (waiting for an operator) are kept longer: 0 keeps them forever. */
  errorMs: number;
  /** Rows one statement deletes, so a first prune of a large table never holds long locks. */
  batchSize: number;
}

/** What one prune deleted. */
export interface PruneResult {
  alerts: number;
  silences: number;
}

async function deleteInBatches(pool: pg.Pool, sql: string, values: unknown[], batchSize: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(sql, [...values, batchSize]);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return total;
  }
}

/**
 * Deletes what the policy no longer keeps: finished alerts (their history and deliveries
 * go with them, by cascade) and silences that ended before the same horizon. Replicas may
 * prune at once: SKIP LOCKED leaves each the rows the other holds.
 *
 * An alert's stored identity is what makes a repeated post a no-op, so an alert posted
 * again after its row was pruned is stored and notified again: the horizon must be longer
 * than any replay (see `herald replay`).
 */
export async function pruneExpired(pool: pg.Pool, policy: RetentionPolicy): Promise<PruneResult> {
  const byState = async (states: string[], ms: number) =>
    ms === 0
      ? 0
      : deleteInBatches(
          pool,
          `DELETE FROM alerts WHERE id IN (
             SELECT id FROM alerts
              WHERE state = ANY($1::text[])
                AND state_changed_at < now() - make_interval(secs => $2::double precision / 1000)
              LIMIT $3 FOR UPDATE SKIP LOCKED)`,
          [states, ms],
          policy.batchSize,
        );
  const alerts = (await byState(['sent', 'suppressed'], policy.finishedMs)) + (await byState(['error'], policy.errorMs));
  const silences =
    policy.finishedMs === 0
      ? 0
      : await deleteInBatches(
          pool,
          `DELETE FROM silences WHERE id IN (
             SELECT id FROM silences
              WHERE ends_at < now() - make_interval(secs => $1::double precision / 1000)
              LIMIT $2 FOR UPDATE SKIP LOCKED)`,
          [policy.finishedMs],
          policy.batchSize,
        );
  return { alerts, silences };
}
