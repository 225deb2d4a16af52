import {
  claimAlerts,
  commitAttempts,
  commitLockedAttempts,
  failAlerts,
  inTransaction,
  isAlertId,
  lockAlerts,
  stageForInput,
  STAGES,
  type Actor,
  type AttemptResult,
  type ClaimedAlert,
  type Database,
  type StageName,
} from '@herald/db';
import type { Logger } from '@herald/runtime';
import { publish, streamKey, type ConsumedEntry, type EntryOutcome } from '@herald/streams';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { StageHandler } from './handler.ts';
import type { StageMetrics } from './metrics.ts';
import { processClaimed } from './run-handler.ts';

export interface BatchDeps {
  stage: StageName;
  db: Database;
  redis: Redis;
  namespace: string;
  actor: Actor;
  handler: StageHandler;
  logger: Logger;
  metrics?: StageMetrics;
  claimTimeoutMs: number;
  maxDeliveries: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * Longest a handler may work on one batch. Its claims are renewed (or its row locks held)
   * until then; past it, its signal is aborted and its alerts retried, so a hung handler
   * cannot hold them.
   */
  handlerTimeoutMs: number;
  /** Source of retry jitter in [0, 1); injectable for tests. */
  random?: () => number;
  signal: AbortSignal;
  /**
   * Fault hook for tests only: runs after the batch's commit and before the hand-off to the
   * next stream, so a test can kill the process in exactly that window. Set only through
   * StageWorkerOptions.faults; no setting or environment variable reaches it.
   */
  afterCommit?: (committed: ReadonlySet<string>) => Promise<void> | void;
}

/**
 * The wait before attempt `attempt + 1`: exponential from `retryBaseMs`, capped, with
 * "equal jitter" (half fixed, half random) so that alerts failing together do not all
 * come back together.
 */
export function retryDelayMs(
  attempt: number,
  deps: Pick<BatchDeps, 'retryBaseMs' | 'retryMaxMs' | 'random'>,
): number {
  const ceiling = Math.min(deps.retryMaxMs, deps.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (deps.random ?? Math.random)() * (ceiling / 2));
}

/**
 * Turns each handled failure into a retry after a backoff, or, once the alert has had
 * `maxAttempts` at this stage, into a failure that says so.
 */
function scheduleRetries(
  deps: BatchDeps,
  claimed: readonly ClaimedAlert[],
  results: readonly AttemptResult[],
): AttemptResult[] {
  const attempts = new Map(claimed.map((alert) => [alert.id, alert.attempt]));
  return results.map((result) => {
    if (result.kind !== 'retry') return result;
    const attempt = attempts.get(result.id) ?? 1;
    if (attempt >= deps.maxAttempts) {
      return {
        kind: 'fail',
        id: result.id,
        error: `gave up after ${attempt} attempts: ${result.error}`,
      };
    }
    return { ...result, delayMs: retryDelayMs(attempt, deps) };
  });
}

const ACK: EntryOutcome = { kind: 'ack' };

/** What a batch's alerts came to, and which of them this replica committed. */
interface WorkedBatch {
  results: AttemptResult[];
  committed: ReadonlySet<string>;
}

/**
 * Handles one batch read from the stage's stream: gives up on entries delivered too
 * often, claims the alerts of the rest in one statement, lets the handler work on them,
 * commits every result (and the handler's own writes) in one transaction, publishes the
 * alerts that moved on to the next stream in one pipeline, and says for each entry whether
 * to acknowledge it (done, retried or deferred in PostgreSQL, or nothing to do here) or
 * dead-letter it. It answers only after the commit: if it throws, or the process dies
 * first, the entries stay pending for another delivery. With `handler.claimsInCommit`, the
 * claim is a row lock in the commit's transaction (see `workInCommit`).
 */
export async function handleBatch(
  deps: BatchDeps,
  entries: readonly ConsumedEntry[],
): Promise<EntryOutcome[]> {
  const states = STAGES[deps.stage];
  const outcomes: EntryOutcome[] = entries.map(() => ACK);
  const byAlert = new Map<string, number[]>();
  entries.forEach((entry, index) => {
    // An id that is no alert id can never be claimed, and would fail every statement of
    // the batch it rides in: dead-letter it on sight.
    if (!isAlertId(entry.message.alertId)) {
      outcomes[index] = { kind: 'dead-letter', reason: `${deps.stage}: malformed alert id` };
      deps.logger.warn(
        { stage: deps.stage, entryId: entry.entryId },
        'stream entry with a malformed alert id',
      );
      return;
    }
    byAlert.set(entry.message.alertId, [...(byAlert.get(entry.message.alertId) ?? []), index]);
  });

  // Too many deliveries: the alert keeps failing here. Move it to error (only if it is in
  // this stage's working state) and dead-letter the entry, so it stops holding a slot.
  const overdue = entries.filter(
    (entry) => entry.deliveries > deps.maxDeliveries && byAlert.has(entry.message.alertId),
  );
  if (overdue.length > 0) {
    const failed = await failAlerts(
      deps.db.pool,
      states,
      overdue.map((entry) => ({
        id: entry.message.alertId,
        error: `${deps.stage} gave up after ${entry.deliveries - 1} deliveries`,
      })),
      deps.actor,
    );
    for (const entry of overdue) {
      const reason = `${deps.stage}: gave up after ${entry.deliveries - 1} deliveries`;
      for (const index of byAlert.get(entry.message.alertId) ?? []) {
        outcomes[index] = failed.has(entry.message.alertId) ? { kind: 'dead-letter', reason } : ACK;
      }
      deps.metrics?.alerts.inc({ stage: deps.stage, outcome: 'dead_lettered' });
      deps.logger.warn(
        { alertId: entry.message.alertId, stage: deps.stage, deliveries: entry.deliveries },
        'alert given up',
      );
      byAlert.delete(entry.message.alertId);
    }
  }

  // An alert this replica cannot claim is done here, held by a live replica, or not yet
  // here: its entry is acknowledged, and the sweeper covers the rare alert left behind.
  const ids = [...byAlert.keys()];
  const worked = workInOneTransaction(deps, entries)
    ? await workInCommit(deps, ids)
    : await claimAndWork(deps, ids);
  if (!worked) return outcomes;
  const { results, committed } = worked;

  await deps.afterCommit?.(committed);
  await handOn(deps, results, committed);

  for (const result of results) {
    const indexes = byAlert.get(result.id) ?? [];
    // The first entry of an alert carries the outcome; repeats in the batch are acked.
    const [first] = indexes;
    if (first === undefined || !committed.has(result.id)) continue;
    const outcome =
      result.kind === 'done' ? (result.to === 'suppressed' ? 'suppressed' : 'done') : result.kind;
    deps.metrics?.alerts.inc({ stage: deps.stage, outcome });
    if (result.kind === 'defer') {
      // Acknowledged: the due time is in PostgreSQL, and the sweeper hands it out then.
      deps.logger.info(
        { alertId: result.id, stage: deps.stage, delayMs: result.delayMs, reason: result.reason },
        'alert deferred',
      );
    } else if (result.kind === 'retry') {
      // Acknowledged: the retry is scheduled in PostgreSQL, not by redelivering the entry.
      deps.logger.warn(
        { alertId: result.id, stage: deps.stage, error: result.error, delayMs: result.delayMs },
        'alert attempt failed, will retry',
      );
    } else if (result.kind === 'fail') {
      outcomes[first] = { kind: 'dead-letter', reason: `${deps.stage}: ${result.error}` };
      deps.logger.warn(
        { alertId: result.id, stage: deps.stage, error: result.error },
        'alert failed',
      );
    } else {
      deps.logger.debug(
        { alertId: result.id, stage: deps.stage, to: result.to ?? states.output },
        'alert moved',
      );
    }
  }
  return outcomes;
}

/**
 * Whether the batch is worked in one transaction: only when the handler allows it and every
 * entry comes for the first time. A batch that died in that mode rolled back and left no
 * trace in PostgreSQL, so a redelivered entry cannot tell a batch that kept killing its
 * worker from one that never reached the database (an outage). Redeliveries are claimed
 * first, as in the claim mode, so each attempt is counted and the usual limits end an alert
 * that keeps failing, while an outage costs no attempt.
 */
function workInOneTransaction(deps: BatchDeps, entries: readonly ConsumedEntry[]): boolean {
  return deps.handler.claimsInCommit === true && entries.every((entry) => entry.deliveries <= 1);
}

/**
 * Claims the alerts (one autocommitted statement), works them with their claims renewed,
 * then commits the results and the handler's writes in one transaction. Undefined when
 * nothing could be claimed.
 */
async function claimAndWork(
  deps: BatchDeps,
  ids: readonly string[],
): Promise<WorkedBatch | undefined> {
  const states = STAGES[deps.stage];
  const claimed = await claimAlerts(deps.db.pool, states, ids, deps.actor, deps.claimTimeoutMs);
  if (claimed.length === 0) return undefined;

  const results = await attemptClaimed(deps, claimed, { renew: true });
  const committed = await inTransaction(deps.db.pool, async (client) => {
    const written = await commitAttempts(client, states, results, deps.actor);
    await persistDone(deps, client, results, written);
    return written;
  });
  return { results, committed };
}

/**
 * The same in one transaction on one connection: row-locks the alerts (skipping those
 * another transaction holds), works them, and writes results, history and the handler's
 * writes before one COMMIT. A throw or a crash anywhere rolls all of it back: the alerts
 * stay where they were, no attempt is counted, and the entries stay pending. The handler
 * deadline bounds how long the locks are held while the process runs; PostgreSQL itself
 * ends the session, and with it the locks, when the process stops sending statements (frozen,
 * paused, cut off by the network): the claim mode's claims expire then, and a lock must not
 * outlive them by the hours a dead TCP connection can take to notice. Undefined when nothing
 * could be locked.
 */
async function workInCommit(
  deps: BatchDeps,
  ids: readonly string[],
): Promise<WorkedBatch | undefined> {
  const states = STAGES[deps.stage];
  // Past the handler deadline by a claim timeout (at least 5 s, so a loaded machine's slow
  // commit is not cut off): a live worker has committed by then. Sent with BEGIN as one
  // simple query, so it costs no round trip of its own.
  const idleLimitMs = Math.ceil(deps.handlerTimeoutMs + Math.max(deps.claimTimeoutMs, 5_000));
  const begin = `BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${idleLimitMs}`;
  return inTransaction(
    deps.db.pool,
    async (client) => {
      const claimed = await lockAlerts(client, states, ids);
      if (claimed.length === 0) return undefined;

      const results = await attemptClaimed(deps, claimed, { renew: false });
      const committed = await commitLockedAttempts(client, states, claimed, results, deps.actor);
      await persistDone(deps, client, results, committed);
      return { results, committed };
    },
    begin,
  );
}

/**
 * The result of every claimed alert: one claimed more often than it may be tried kept
 * dying with its worker (a crash or hang returns no result, and each takeover counts an
 * attempt) and fails unworked; the handler works the rest, and its retries get a backoff.
 */
async function attemptClaimed(
  deps: BatchDeps,
  claimed: readonly ClaimedAlert[],
  { renew }: { renew: boolean },
): Promise<AttemptResult[]> {
  const exhausted = claimed.filter((alert) => alert.attempt > deps.maxAttempts);
  const workable = claimed.filter((alert) => alert.attempt <= deps.maxAttempts);
  return [
    ...exhausted.map((alert): AttemptResult => ({
      kind: 'fail',
      id: alert.id,
      error:
        `gave up after ${alert.attempt - 1} attempts` +
        (alert.lastError ? `; last error: ${alert.lastError}` : ''),
    })),
    ...(workable.length > 0
      ? scheduleRetries(deps, workable, await processClaimed(deps, workable, renew))
      : []),
  ];
}

/** Hands `persist` the `done` results this replica committed, in the commit's transaction. */
async function persistDone(
  deps: BatchDeps,
  client: pg.PoolClient,
  results: readonly AttemptResult[],
  committed: ReadonlySet<string>,
): Promise<void> {
  const done = results.filter(
    (result): result is Extract<AttemptResult, { kind: 'done' }> =>
      result.kind === 'done' && committed.has(result.id),
  );
  if (deps.handler.persist && done.length > 0) {
    await deps.handler.persist(client, done);
  }
}

/**
 * Publishes alerts that reached this stage's output to the next stage's stream. A failed
 * publish is logged, not thrown: the alert is committed in its new state, and the next
 * stage's sweeper republishes it after the hand-off grace.
 */
async function handOn(
  deps: BatchDeps,
  results: readonly AttemptResult[],
  committed: ReadonlySet<string>,
): Promise<void> {
  const output = STAGES[deps.stage].output;
  const next = stageForInput(output);
  if (!next) return;
  const moving = results.filter(
    (result) =>
      result.kind === 'done' && (result.to ?? output) === output && committed.has(result.id),
  );
  if (moving.length === 0) return;
  try {
    await publish(
      deps.redis,
      streamKey(deps.namespace, next),
      moving.map((result) => ({ alertId: result.id, attempt: 0 })),
    );
  } catch (err) {
    deps.logger.warn(
      { err, stage: deps.stage, next, alerts: moving.length },
      'hand-off publish failed, sweeper will republish',
    );
  }
}
