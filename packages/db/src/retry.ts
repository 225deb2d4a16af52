import type pg from 'pg';
import type { Actor } from './alerts.ts';
import { assertTransition, type AlertState } from './states.ts';
import { isAlertId } from './alert-id.ts';

// The operator's way out of `error`: `error -> new`, counted in `retries` and capped
// (reliability R-42), so a poison alert cannot loop through the pipeline forever. Like the
// stages' moves, it is one compare-and-set statement that writes its own history rows.

/** Which alerts to retry: the named ones, or the oldest `limit` alerts in `error`. */
export type RetrySelector = { ids: readonly string[] } | { all: true; limit: number };

/** Why an alert was not retried. */
export type RetrySkipReason = 'not in error' | 'retry limit reached' | 'unknown id';

/** An alert that was not retried, and why. */
export interface SkippedRetry {
  id: string;
  reason: RetrySkipReason;
  /** Its state when it was looked at; absent for an unknown id. */
  state?: AlertState;
  /** Retries it has had so far; absent for an unknown id. */
  retries?: number;
}

/** What a retry did: the alerts now back in `new`, and the ones left alone. */
export interface RetryResult {
  retried: string[];
  skipped: SkippedRetry[];
}

export interface RetryOptions {
  /** Retries one alert may get; an alert that has had this many stays in `error`. */
  maxRetries: number;
}


// Shared by both selectors: `target` holds the locked alerts to move. Failed deliveries
// go back to pending so the sender tries them again; delivered ones stay delivered, since
// a receiver never gets the same message twice. Their `attempts` is left as it is: it
// counts sends to that receiver over the alert's whole life, and nothing caps on it (the
// stage attempts that are capped live on the alert, and start again at 0).
const MOVE = `
  moved AS (
    UPDATE alerts a
       SET state = 'new', retries = a.retries + 1, attempt = 0, error = NULL,
           claimed_by = NULL, claim_expires_at = NULL, state_changed_at = now(), swept_at = NULL
      FROM target t
     WHERE a.id = t.id AND a.state = 'error'
    RETURNING a.id, a.retries
  ),
  history AS (
    INSERT INTO alert_transitions (alert_id, from_state, to_state, service, replica, attempt, reason)
    SELECT id, 'error', 'new', $2::text, $3::text, 0, 'retried by ' || $2::text FROM moved
  ),
  reopened AS (
    UPDATE deliveries d
       SET status = 'pending', updated_at = now()
      FROM moved m
     WHERE d.alert_id = m.id AND d.status = 'failed'
  )`;

// Every named alert is looked at; only those in `error` are locked, so a stage never finds
// a working alert locked by an operator (its claim would skip it). A concurrent retry of the
// same alert waits here for the lock and then sees the alert in `new`: it moves nothing.
const RETRY_NAMED = `
  WITH input AS (
    SELECT id, min(ord) AS ord FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord) GROUP BY id
  ),
  target AS (
    SELECT a.id FROM alerts a JOIN input i ON i.id = a.id
     WHERE a.state = 'error' AND a.retries < $4
     ORDER BY a.id
       FOR UPDATE OF a
  ),
  ${MOVE}
  SELECT i.id, m.id IS NOT NULL AS retried, a.state, COALESCE(m.retries, a.retries) AS retries
    FROM input i
    LEFT JOIN moved m ON m.id = i.id
    LEFT JOIN alerts a ON a.id = i.id
   ORDER BY i.ord`;

// The oldest alerts in `error` that are under the cap. SKIP LOCKED: an alert another retry
// holds right now is that retry's to move. Alerts at the cap are reported (as many as the
// limit), so a backlog of poison alerts never hides the ones that can still be retried.
const RETRY_ALL = `
  WITH target AS (
    SELECT id FROM alerts
     WHERE state = 'error' AND retries < $4
     ORDER BY state_changed_at, id
     LIMIT $1
       FOR UPDATE SKIP LOCKED
  ),
  capped AS (
    SELECT id, state, retries FROM alerts
     WHERE state = 'error' AND retries >= $4
     ORDER BY state_changed_at, id
     LIMIT $1
  ),
  ${MOVE}
  SELECT id, true AS retried, 'new' AS state, retries FROM moved
  UNION ALL
  SELECT id, false AS retried, state, retries FROM capped`;

interface RetryRow {
  id: string;
  retried: boolean;
  state: AlertState | null;
  retries: number | null;
}

function checkOptions(selector: RetrySelector, { maxRetries }: RetryOptions): void {
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(`maxRetries must be a whole number >= 0, got ${maxRetries}`);
  }
  if ('all' in selector && (!Number.isInteger(selector.limit) || selector.limit < 1)) {
    throw new RangeError(`limit must be a whole number >= 1, got ${selector.limit}`);
  }
}

function skipOf(row: RetryRow, maxRetries: number): SkippedRetry {
  if (row.state === null || row.retries === null) {
    return { id: row.id, reason: 'unknown id' };
  }
  const reason =
    row.state === 'error' && row.retries >= maxRetries ? 'retry limit reached' : 'not in error';
  return { id: row.id, reason, state: row.state, retries: row.retries };
}

/**
 * Moves alerts from `error` back to `new` (R-42): one compare-and-set statement that counts
 * the retry in `retries`, starts the stage attempts again at 0, clears the error and any
 * claim, writes a history row (`error -> new`, reason "retried by <service>"), and puts the
 * alerts' failed deliveries back to pending (delivered ones stay delivered).
 *
 * An alert that has had `maxRetries` retries stays in `error` ("retry limit reached"), as
 * does one that is not in `error` or does not exist; each is reported in `skipped`, in the
 * order named. With `{ all: true, limit }`, the oldest `limit` retriable alerts in `error`
 * are retried and up to `limit` alerts at the cap are reported.
 *
 * Nothing is published: the caller hands the retried alerts to the enrich stream after this
 * returns, or leaves them to the enricher's sweeper, which republishes alerts that have sat
 * in `new` for longer than its hand-off grace.
 */
export async function retryFailedAlerts(
  client: pg.Pool | pg.PoolClient,
  selector: RetrySelector,
  actor: Actor,
  options: RetryOptions,
): Promise<RetryResult> {
  checkOptions(selector, options);
  assertTransition('error', 'new');

  let rows: RetryRow[];
  if ('all' in selector) {
    ({ rows } = await client.query<RetryRow>(RETRY_ALL, [
      selector.limit,
      actor.service,
      actor.replica,
      options.maxRetries,
    ]));
  } else {
    // PostgreSQL answers uuids in lower case. A malformed id cannot name an alert, and would
    // fail the uuid cast of the whole batch.
    const ids = [...new Set(selector.ids.map((id) => (isAlertId(id) ? id.toLowerCase() : id)))];
    const valid = ids.filter((id) => isAlertId(id));
    const found =
      valid.length === 0
        ? []
        : (
            await client.query<RetryRow>(RETRY_NAMED, [
              valid,
              actor.service,
              actor.replica,
              options.maxRetries,
            ])
          ).rows;
    const byId = new Map(found.map((row) => [row.id, row]));
    rows = ids.map((id) => byId.get(id) ?? { id, retried: false, state: null, retries: null });
    rows = await refreshRaced(client, rows, options.maxRetries);
  }

  return {
    retried: rows.filter((row) => row.retried).map((row) => row.id),
    skipped: rows.filter((row) => !row.retried).map((row) => skipOf(row, options.maxRetries)),
  };
}

/**
 * The statement reports the state its snapshot saw. An alert that was in `error` under the
 * cap and still did not move was retried by someone else while this statement waited for
 * its lock: a new statement (a new snapshot) reads where it is now.
 */
async function refreshRaced(
  client: pg.Pool | pg.PoolClient,
  rows: RetryRow[],
  maxRetries: number,
): Promise<RetryRow[]> {
  const raced = rows.filter(
    (row) =>
      !row.retried && row.state === 'error' && row.retries !== null && row.retries < maxRetries,
  );
  if (raced.length === 0) return rows;

  const { rows: now } = await client.query<{ id: string; state: AlertState; retries: number }>(
    'SELECT id, state, retries FROM alerts WHERE id = ANY($1::uuid[])',
    [raced.map((row) => row.id)],
  );
  const byId = new Map(now.map((row) => [row.id, row]));
  return rows.map((row) => {
    const current = raced.includes(row) ? byId.get(row.id) : undefined;
    return current ? { ...row, state: current.state, retries: current.retries } : row;
  });
}
