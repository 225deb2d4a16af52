import { renewClaims, STAGES, type AttemptResult, type ClaimedAlert } from '@herald/db';
import type { BatchDeps } from './batch.ts';

// Running a stage's handler on a claimed batch: under its deadline, following the worker's
// stop, with the claims renewed meanwhile when the batch holds claims rather than row locks.

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Aborts `target` when `source` aborts (the worker stopping); returns an unsubscribe. */
function followAbort(source: AbortSignal, target: AbortController): () => void {
  if (source.aborted) {
    target.abort(source.reason);
    return () => {};
  }
  const onAbort = () => target.abort(source.reason);
  source.addEventListener('abort', onAbort, { once: true });
  return () => source.removeEventListener('abort', onAbort);
}

/**
 * Keeps the batch's claims alive while the handler works (a third of the claim timeout
 * apart), so a slow batch is not taken over by another replica mid-send. Returns a stop.
 */
function keepClaims(deps: BatchDeps, ids: readonly string[]): () => void {
  const timer = setInterval(
    () => {
      renewClaims(deps.db.pool, STAGES[deps.stage], ids, deps.actor, deps.claimTimeoutMs).then(
        (held) => {
          if (held.size < ids.length) {
            deps.logger.warn(
              { stage: deps.stage, lost: ids.length - held.size },
              'claims lost while working',
            );
          }
        },
        (err: unknown) => deps.logger.warn({ err, stage: deps.stage }, 'claim renewal failed'),
      );
    },
    Math.max(10, Math.floor(deps.claimTimeoutMs / 3)),
  );
  timer.unref();
  return () => clearInterval(timer);
}

class HandlerTimeoutError extends Error {
  readonly code = 'STAGE_HANDLER_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`the stage took longer than ${timeoutMs} ms on this batch`);
    this.name = 'HandlerTimeoutError';
  }
}

/**
 * Runs the handler under its deadline, renewing the batch's claims until then (row locks
 * need no renewal); an alert it threw on, forgot, or did not finish in time is retried,
 * never lost.
 */
export async function processClaimed(
  deps: BatchDeps,
  claimed: readonly ClaimedAlert[],
  renew: boolean,
): Promise<AttemptResult[]> {
  let results: AttemptResult[];
  const stopKeeping = renew
    ? keepClaims(
        deps,
        claimed.map((alert) => alert.id),
      )
    : () => {};
  const abort = new AbortController();
  const stopFollowing = followAbort(deps.signal, abort);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const err = new HandlerTimeoutError(deps.handlerTimeoutMs);
      abort.abort(err);
      reject(err);
    }, deps.handlerTimeoutMs);
  });
  try {
    results = await Promise.race([
      deps.handler.process(claimed, { logger: deps.logger, signal: abort.signal }),
      deadline,
    ]);
  } catch (err) {
    deps.logger.error(
      { err, stage: deps.stage, alerts: claimed.length },
      'stage handler failed on a batch',
    );
    return claimed.map((alert) => ({ kind: 'retry', id: alert.id, error: errorText(err) }));
  } finally {
    clearTimeout(timer);
    stopKeeping();
    stopFollowing();
  }
  const answered = new Set(results.map((result) => result.id));
  const claimedIds = new Set(claimed.map((alert) => alert.id));
  const missing = claimed
    .filter((alert) => !answered.has(alert.id))
    .map((alert): AttemptResult => ({
      kind: 'retry',
      id: alert.id,
      error: 'the stage returned no result',
    }));
  return [...results.filter((result) => claimedIds.has(result.id)), ...missing];
}
