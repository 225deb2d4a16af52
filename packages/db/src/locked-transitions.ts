import type pg from 'pg';
import type { Actor } from './alerts.ts';
import { assertTransition, type AlertState, type StageStates } from './states.ts';
import { claimedAlert, type AttemptResult, type ClaimedAlert, type ClaimedRow } from './transitions.ts';

// The stages' writes for a batch worked inside one transaction (a stage whose handler
// calls nothing that can hang outside Herald's stores). The claim is a row lock held until
// COMMIT instead of an UPDATE to the working state, so each alert row is written once per
// stage instead of twice, and the batch waits for one WAL flush instead of two. The
// history is the same as with claims: a `<from> -> <working>` row and a `<working> ->
// <result>` row per alert, written by the one statement that moves it.
//
// The lock is FOR NO KEY UPDATE, the lock an UPDATE of the row takes anyway: it keeps out
// every other claimer, committer and sweeper (all lock FOR UPDATE or FOR NO KEY UPDATE),
// but not a foreign-key check of a row that references the alert, which another
// connection of the same handler may insert meanwhile.

/**
 * Locks the alerts of `ids` that are in the stage's input state, or in its working state
 * with an expired claim (a retry or deferral that is due, or a claiming worker that died),
 * in the caller's transaction, and returns them as claims: `attempt` is 1 from the input
 * state and the stored attempt + 1 from the working state. Nothing is written: the lock
 * holds the alerts until the transaction ends, and a rollback leaves no trace. Rows another
 * transaction holds are skipped, so the caller acknowledges their entries as it would an
 * alert under a live claim.
 */
export async function lockAlerts(
  client: pg.PoolClient,
  stage: StageStates,
  ids: readonly string[],
): Promise<ClaimedAlert[]> {
  if (ids.length === 0) return [];
  const { rows } = await client.query<ClaimedRow>({
    name: 'herald-lock-alerts',
    // A CASE that is false never reads (or decompresses) the column.
    text: `SELECT id, state AS from_state,
              CASE WHEN state = $2 THEN 1 ELSE attempt + 1 END AS attempt,
              retries, error,
              CASE WHEN $4 THEN body END AS body,
              CASE WHEN $5 THEN enrichment END AS enrichment,
              CASE WHEN $6 THEN analysis END AS analysis
         FROM alerts
        WHERE id = ANY($1::uuid[])
          -- A CASE, so the alerts are found by id: see claimAlerts in transitions.ts.
          AND CASE WHEN state = $2 THEN true WHEN state = $3 THEN claim_expires_at < now() ELSE false END
          FOR NO KEY UPDATE SKIP LOCKED`,
    values: [
      ids,
      stage.input,
      stage.working,
      stage.reads.includes('body'),
      stage.reads.includes('enrichment'),
      stage.reads.includes('analysis'),
    ],
  });
  return rows.map(claimedAlert);
}

/**
 * Writes the results of alerts `lockAlerts` locked in this transaction, straight from the
 * state they were locked in, in one statement: `done` to the output state (or the given
 * one) with its results, `retry` to the working state with an expired claim (or, with a
 * delay, held by nobody until due) and its error, `defer` to the working state held by
 * nobody until due without spending the attempt, `fail` to `error`. Each alert gets two
 * history rows: the claim (`claimedFrom -> working`, at the transaction's start) and the
 * result (`working -> to`, at the statement's clock time, so it says when the work ended).
 * Results for alerts not in `claimed` are ignored. Returns the ids written.
 */
export async function commitLockedAttempts(
  client: pg.PoolClient,
  stage: StageStates,
  claimed: readonly ClaimedAlert[],
  results: readonly AttemptResult[],
  actor: Actor,
): Promise<Set<string>> {
  const locked = new Map(claimed.map((alert) => [alert.id, alert]));
  const rows = results.flatMap((result) => {
    const alert = locked.get(result.id);
    if (!alert) return [];
    const to =
      result.kind === 'done'
        ? (result.to ?? stage.output)
        : result.kind === 'fail'
          ? 'error'
          : stage.working;
    assertTransition(alert.claimedFrom, stage.working);
    assertTransition(stage.working, to);
    return [{ result, alert, to }];
  });
  if (rows.length === 0) return new Set();
  const { rows: moved } = await client.query<{ id: string }>({
    name: 'herald-commit-locked',
    text: `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::jsonb[], $6::jsonb[],
                            $7::text[], $8::text[], $9::double precision[])
         AS t(id, from_state, attempt, to_state, enrichment, analysis, error, reason, defer_ms)
     ),
     -- When the work ended: now() is the transaction's start, when the batch was locked.
     -- clock_timestamp() is volatile, so this is read once, not per row.
     ended AS (SELECT clock_timestamp() AS at),
     moved AS (
       UPDATE alerts a
          SET state = i.to_state,
              -- retry: the claim stays named but expired, so the entry's next delivery
              -- (or, after the grace, the sweeper) takes it. defer, or a retry with a
              -- delay: nobody holds it, and the sweeper hands it out once due.
              claimed_by = CASE WHEN i.to_state = $10 AND i.defer_ms IS NULL THEN $11 END,
              -- Expired as of the batch's start: the clock time, rounded to the column's
              -- milliseconds, could still lie ahead of the next statement's now().
              claim_expires_at = CASE
                WHEN i.to_state <> $10 THEN NULL
                WHEN i.defer_ms IS NULL THEN now()
                ELSE e.at + make_interval(secs => i.defer_ms / 1000) END,
              -- In the working state since the claim; in the next since the work ended.
              state_changed_at = CASE WHEN i.to_state = $10 THEN now() ELSE e.at END,
              -- A deferral is no attempt: the next claim counts this one again.
              attempt = CASE
                WHEN i.to_state = $10 AND i.defer_ms IS NOT NULL AND i.error IS NULL THEN i.attempt - 1
                WHEN i.to_state IN ($10, 'error') THEN i.attempt
                ELSE 0 END,
              enrichment = COALESCE(i.enrichment, a.enrichment),
              analysis = COALESCE(i.analysis, a.analysis),
              error = CASE WHEN i.to_state IN ($10, 'error') THEN COALESCE(i.error, a.error) END
         FROM input i, ended e
        -- The row is locked by this transaction, so the state is the one it was locked in;
        -- the compare-and-set says so rather than trusting it.
        WHERE a.id = i.id AND a.state = i.from_state
       RETURNING a.id, i.from_state, i.to_state, i.attempt, i.error, i.reason, e.at
     ),
     history AS (
       INSERT INTO alert_transitions (alert_id, from_state, to_state, at, service, replica, attempt, error, reason)
       SELECT alert_id, from_state, to_state, at, $12, $11, attempt, error, reason FROM (
         SELECT id AS alert_id, from_state, $10::text AS to_state, now() AS at, attempt,
                NULL::text AS error, NULL::text AS reason, 1 AS step
           FROM moved
         UNION ALL
         SELECT id, $10::text, to_state, at, attempt, error, reason, 2 FROM moved
       ) h
       -- Ids in this order: every claim row before the result row of the same alert.
       ORDER BY step
     )
     SELECT id FROM moved`,
    values: [
      rows.map(({ result }) => result.id),
      rows.map(({ alert }) => alert.claimedFrom),
      rows.map(({ alert }) => alert.attempt),
      rows.map(({ to }) => to),
      rows.map(({ result: r }) =>
        r.kind === 'done' && r.enrichment !== undefined ? JSON.stringify(r.enrichment) : null,
      ),
      rows.map(({ result: r }) =>
        r.kind === 'done' && r.analysis !== undefined ? JSON.stringify(r.analysis) : null,
      ),
      rows.map(({ result: r }) => (r.kind === 'retry' || r.kind === 'fail' ? r.error : null)),
      rows.map(({ result: r }) =>
        r.kind === 'done' ? (r.note ?? null) : r.kind === 'defer' ? r.reason : null,
      ),
      rows.map(({ result: r }) =>
        r.kind === 'defer' || (r.kind === 'retry' && r.delayMs !== undefined)
          ? Math.max(0, r.delayMs ?? 0)
          : null,
      ),
      stage.working,
      actor.replica,
      actor.service,
    ],
  });
  return new Set(moved.map((row) => row.id));
}
