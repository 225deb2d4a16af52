import type pg from 'pg';
import type { Actor } from './alerts.ts';
import { assertTransition, type AlertState, type StageStates } from './states.ts';

// The stages' writes, one statement per batch: a claim, a commit, a sweep. Each is a
// compare-and-set on the state (and, once claimed, on the claimant), so two replicas can
// never both win the same move, and each leaves one history row per alert it moved. The
// statements run for every batch are named, so each connection parses them once: unnamed,
// node-postgres has PostgreSQL parse these large CTEs on every call.

/** An alert a worker now holds, with what earlier stages stored on it. */
export interface ClaimedAlert {
  id: string;
  /** The state it was claimed from: the stage's input, or its working state (takeover). */
  claimedFrom: AlertState;
  /** Attempts at this stage, this one included. */
  attempt: number;
  retries: number;
  /** The error of the last failed attempt, if any. */
  lastError: string | null;
  /** Stored parts the stage does not read (`StageStates.reads`) are null. */
  body: unknown;
  enrichment: unknown;
  analysis: unknown;
}

/** A claimed alert as the claim statements return it. */
export interface ClaimedRow {
  id: string;
  from_state: AlertState;
  attempt: number;
  retries: number;
  error: string | null;
  body: unknown;
  enrichment: unknown;
  analysis: unknown;
}

/** The ClaimedAlert of a claim statement's row. */
export function claimedAlert(row: ClaimedRow): ClaimedAlert {
  return {
    id: row.id,
    claimedFrom: row.from_state,
    attempt: row.attempt,
    retries: row.retries,
    lastError: row.error,
    body: row.body,
    enrichment: row.enrichment,
    analysis: row.analysis,
  };
}

/**
 * Claims the alerts of `ids` that are in the stage's input state, or in its working state
 * with an expired claim (their worker died), for `claimTimeoutMs`. Alerts in any other
 * state, or held by a live claim, are left alone and not returned.
 */
export async function claimAlerts(
  client: pg.Pool | pg.PoolClient,
  stage: StageStates,
  ids: readonly string[],
  actor: Actor,
  claimTimeoutMs: number,
): Promise<ClaimedAlert[]> {
  if (ids.length === 0) return [];
  // SKIP LOCKED: an alert another replica is committing right now is not ours to take.
  const { rows } = await client.query<ClaimedRow>({
    name: 'herald-claim-alerts',
    text: `WITH candidates AS (
       SELECT id, state AS from_state FROM alerts
        WHERE id = ANY($1::uuid[])
          -- The state test is a CASE so that no index can serve it, and the alerts are
          -- found by id. As (state = $2 OR ...) PostgreSQL could read the state index, and
          -- with statistics taken while nothing waited it expects one row in the input
          -- state: with a backlog of 10,000 on a million stored alerts it then filtered
          -- 10,000 rows per claim (4.5 ms, against 0.2 by id; experiments/claim-at-scale.mjs).
          AND CASE WHEN state = $2 THEN true WHEN state = $3 THEN claim_expires_at < now() ELSE false END
        FOR UPDATE SKIP LOCKED
     ),
     claimed AS (
       UPDATE alerts a
          SET state = $3, claimed_by = $4,
              claim_expires_at = now() + make_interval(secs => $5::double precision / 1000),
              attempt = CASE WHEN c.from_state = $2 THEN 1 ELSE a.attempt + 1 END,
              state_changed_at = now()
         FROM candidates c
        WHERE a.id = c.id
       -- A CASE that is false never reads (or decompresses) the column.
       RETURNING a.id, c.from_state, a.attempt, a.retries, a.error,
                 CASE WHEN $7 THEN a.body END AS body,
                 CASE WHEN $8 THEN a.enrichment END AS enrichment,
                 CASE WHEN $9 THEN a.analysis END AS analysis
     ),
     history AS (
       INSERT INTO alert_transitions (alert_id, from_state, to_state, service, replica, attempt)
       SELECT id, from_state, $3, $6, $4, attempt FROM claimed
     )
     SELECT * FROM claimed`,
    values: [
      ids,
      stage.input,
      stage.working,
      actor.replica,
      claimTimeoutMs,
      actor.service,
      stage.reads.includes('body'),
      stage.reads.includes('enrichment'),
      stage.reads.includes('analysis'),
    ],
  });
  return rows.map(claimedAlert);
}

/** How a worker's attempt at one claimed alert ended. */
export type AttemptResult =
  | {
      kind: 'done';
      id: string;
      /** Defaults to the stage's output state; `suppressed` ends the journey early. */
      to?: AlertState;
      enrichment?: unknown;
      analysis?: unknown;
      /** A note for the history row (a suppression's reason, say). */
      note?: string;
    }
  /**
   * A failure worth another try. With `delayMs`, the alert waits, held by nobody, until
   * that long from now (backoff), and the sweeper hands it out again; without it, the
   * claim expires now and the entry's next delivery takes it.
   */
  | { kind: 'retry'; id: string; error: string; delayMs?: number }
  /**
   * Not now, and not a failure: the destination is unavailable (an open breaker). The
   * alert keeps its working state, held by nobody until `delayMs` from now, when the
   * sweeper hands it out again; its stream entry is acknowledged, so waiting does not use
   * up its deliveries. The due time lives here, so it survives restarts and Redis loss.
   */
  | { kind: 'defer'; id: string; delayMs: number; reason: string }
  | { kind: 'fail'; id: string; error: string };

/**
 * Commits a batch of attempts in the caller's transaction: `done` moves working -> output
 * (or the given state) and stores results; `retry` keeps the state and expires the claim
 * so the next delivery of the entry may take it, recording the error; `defer` keeps the
 * state with no claimant until its due time; `fail` moves working -> error. Only alerts
 * this replica still holds are touched; returns the ids that were.
 */
export async function commitAttempts(
  client: pg.PoolClient,
  stage: StageStates,
  results: readonly AttemptResult[],
  actor: Actor,
): Promise<Set<string>> {
  if (results.length === 0) return new Set();
  const toStates = results.map((result) => {
    const to =
      result.kind === 'done' ? (result.to ?? stage.output) : result.kind === 'fail' ? 'error' : stage.working;
    assertTransition(stage.working, to);
    return to;
  });
  const { rows } = await client.query<{ id: string }>({
    name: 'herald-commit-attempts',
    text: `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::jsonb[], $5::text[], $6::text[], $7::double precision[])
         AS t(id, to_state, enrichment, analysis, error, reason, defer_ms)
     ),
     -- The attempt as it was: a move on resets it, and the history row must name the
     -- attempt that made the move.
     before AS (
       SELECT a.id, a.attempt FROM alerts a JOIN input i ON i.id = a.id
        -- A CASE, so the alerts are found by id: see claimAlerts. A backlog in the working
        -- state (deferred at an open breaker, waiting out a retry's backoff) is what the
        -- statistics miss, and the state index would read all of it per commit.
        WHERE CASE WHEN a.state = $8 THEN a.claimed_by = $9 ELSE false END
        FOR UPDATE
     ),
     moved AS (
       UPDATE alerts a
          SET state = i.to_state,
              -- retry: the claim stays named but expired, so the entry's next delivery
              -- (or, after the grace, the sweeper) takes it. defer: nobody holds it, and
              -- the sweeper hands it out once the due time has passed.
              claimed_by = CASE WHEN i.to_state = $8 AND i.defer_ms IS NULL THEN a.claimed_by END,
              claim_expires_at = CASE
                WHEN i.to_state <> $8 THEN NULL
                WHEN i.defer_ms IS NULL THEN now()
                ELSE now() + make_interval(secs => i.defer_ms / 1000) END,
              state_changed_at = CASE WHEN i.to_state = $8 THEN a.state_changed_at ELSE now() END,
              -- A deferral is no attempt: it gives back the one its claim counted.
              attempt = CASE
                WHEN i.to_state = $8 AND i.defer_ms IS NOT NULL AND i.error IS NULL THEN a.attempt - 1
                WHEN i.to_state IN ($8, 'error') THEN a.attempt
                ELSE 0 END,
              enrichment = COALESCE(i.enrichment, a.enrichment),
              analysis = COALESCE(i.analysis, a.analysis),
              error = CASE WHEN i.to_state IN ($8, 'error') THEN COALESCE(i.error, a.error) END
         FROM input i, before b
        WHERE a.id = i.id AND b.id = a.id
       RETURNING a.id, i.to_state, i.error, i.reason, b.attempt
     ),
     history AS (
       INSERT INTO alert_transitions (alert_id, from_state, to_state, service, replica, attempt, error, reason)
       SELECT id, $8, to_state, $10, $9, attempt, error, reason FROM moved
     )
     SELECT id FROM moved`,
    values: [
      results.map((r) => r.id),
      toStates,
      results.map((r) => (r.kind === 'done' && r.enrichment !== undefined ? JSON.stringify(r.enrichment) : null)),
      results.map((r) => (r.kind === 'done' && r.analysis !== undefined ? JSON.stringify(r.analysis) : null)),
      results.map((r) => (r.kind === 'retry' || r.kind === 'fail' ? r.error : null)),
      results.map((r) => (r.kind === 'done' ? (r.note ?? null) : r.kind === 'defer' ? r.reason : null)),
      results.map((r) =>
        r.kind === 'defer' || (r.kind === 'retry' && r.delayMs !== undefined) ? Math.max(0, r.delayMs ?? 0) : null,
      ),
      stage.working,
      actor.replica,
      actor.service,
    ],
  });
  return new Set(rows.map((row) => row.id));
}

/**
 * Moves alerts that are in the stage's working state, and that no live claim holds, to
 * `error`, for work that was given up on: too many deliveries of its stream entry. An alert in any
 * other state is not this stage's to fail (and one still in the input state was never
 * worked on: the sweeper hands it on again). Returns the ids moved.
 */
export async function failAlerts(
  client: pg.Pool | pg.PoolClient,
  stage: StageStates,
  failures: readonly { id: string; error: string }[],
  actor: Actor,
): Promise<Set<string>> {
  if (failures.length === 0) return new Set();
  const { rows } = await client.query<{ id: string }>(
    `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::text[]) AS t(id, error)
     ),
     current AS (
       SELECT a.id, a.state AS from_state FROM alerts a JOIN input i ON i.id = a.id
        -- A live claim means a worker is on it right now: not ours to give up on. A CASE,
        -- so the alerts are found by id (see commitAttempts).
        WHERE CASE WHEN a.state = $3 THEN a.claimed_by IS NULL OR a.claim_expires_at < now()
                   ELSE false END
        FOR UPDATE
     ),
     moved AS (
       UPDATE alerts a
          SET state = 'error', claimed_by = NULL, claim_expires_at = NULL,
              state_changed_at = now(), error = i.error || COALESCE('; last error: ' || a.error, '')
         FROM input i, current c
        WHERE a.id = i.id AND c.id = a.id
       RETURNING a.id, c.from_state, i.error, a.attempt
     ),
     history AS (
       INSERT INTO alert_transitions (alert_id, from_state, to_state, service, replica, attempt, error)
       SELECT id, from_state, 'error', $4, $5, attempt, error FROM moved
     )
     SELECT id FROM moved`,
    [failures.map((f) => f.id), failures.map((f) => f.error), stage.working, actor.service, actor.replica],
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Finds alerts that should be on this stage's stream but may not be: in the input state
 * for longer than `graceMs` (the publish after the commit was lost, or Redis lost its
 * data), in the working state with a claim expired for longer than `graceMs`, or deferred
 * and now due. Marks
 * them swept, skips alerts swept within `resweepAfterMs` (another replica's sweep, or an
 * earlier round of this one), and returns at most `limit` of them for republishing.
 */
export async function sweepStranded(
  client: pg.Pool | pg.PoolClient,
  stage: StageStates,
  {
    graceMs,
    resweepAfterMs,
    limit,
    deliveredThrough,
  }: {
    graceMs: number;
    resweepAfterMs: number;
    limit: number;
    /**
     * How far the stage's consumer group has read its stream. An alert that reached the
     * input state after that may still have its entry waiting unread in the backlog, so
     * it is not stranded yet. Undefined: everything published has been read (no lag), or
     * the stream's contents were lost.
     */
    deliveredThrough?: Date | undefined;
  },
): Promise<{ id: string; attempt: number }[]> {
  const { rows } = await client.query<{ id: string; attempt: number }>(
    `WITH stranded AS (
       SELECT id FROM alerts
        WHERE ((state = $1 AND state_changed_at < now() - make_interval(secs => $3::double precision / 1000)
                AND ($6::timestamptz IS NULL OR state_changed_at < $6::timestamptz))
           OR (state = $2 AND claim_expires_at < now() - make_interval(secs => $3::double precision / 1000))
           -- A deferred alert has no entry left to deliver it: due is due.
           OR (state = $2 AND claimed_by IS NULL AND claim_expires_at < now()))
          AND (swept_at IS NULL OR swept_at < now() - make_interval(secs => $4::double precision / 1000))
        ORDER BY state_changed_at
        LIMIT $5
        FOR UPDATE SKIP LOCKED
     )
     UPDATE alerts a SET swept_at = now() FROM stranded s WHERE a.id = s.id
     RETURNING a.id, a.attempt`,
    [stage.input, stage.working, graceMs, resweepAfterMs, limit, deliveredThrough ?? null],
  );
  return rows;
}

/**
 * Extends this replica's claims on alerts it is still working on, so a slow batch (a
 * mail server taking its time) is not taken over while it runs. Returns the ids still
 * held: an alert missing from it was taken over, and its result will not commit.
 */
export async function renewClaims(
  client: pg.Pool | pg.PoolClient,
  stage: StageStates,
  ids: readonly string[],
  actor: Actor,
  claimTimeoutMs: number,
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await client.query<{ id: string }>(
    `UPDATE alerts SET claim_expires_at = now() + make_interval(secs => $4::double precision / 1000)
      WHERE id = ANY($1::uuid[])
        -- A CASE, so the alerts are found by id (see commitAttempts).
        AND CASE WHEN state = $2 THEN claimed_by = $3 ELSE false END
      RETURNING id`,
    [ids, stage.working, actor.replica, claimTimeoutMs],
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Runs `work` in a transaction on one pooled connection; `begin` may set its isolation
 * level and access mode.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
