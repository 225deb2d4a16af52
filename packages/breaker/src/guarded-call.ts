import type { BreakerClock } from './clock.ts';
import { BreakerTimeoutError } from './errors.ts';

/** How a guarded call ended. Exactly one of these is produced per call. */
export type GuardedResult<T> =
  | { readonly kind: 'success'; readonly value: T }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'timeout'; readonly error: BreakerTimeoutError }
  | { readonly kind: 'cancelled'; readonly reason: unknown };

export interface GuardOptions {
  readonly breakerName: string;
  readonly timeoutMs: number;
  readonly clock: BreakerClock;
  /** The caller's signal; aborting it cancels the call. */
  readonly signal: AbortSignal | undefined;
}

/**
 * Runs `fn` with a signal that is aborted when the call times out or the caller aborts,
 * and resolves with whichever happens first: result, error, timeout, or cancellation.
 * It never waits for `fn` after a timeout or cancellation: `fn` is told to stop through
 * its signal, and whatever it settles with later is dropped (CB-06).
 */
export function runGuarded<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  { breakerName, timeoutMs, clock, signal: callerSignal }: GuardOptions,
): Promise<GuardedResult<T>> {
  return new Promise((resolve) => {
    const controller = new AbortController();
    let settled = false;

    const finish = (result: GuardedResult<T>): boolean => {
      if (settled) {
        return false;
      }

      settled = true;
      cancelTimer();
      callerSignal?.removeEventListener('abort', onCallerAbort);
      resolve(result);
      return true;
    };
    const onCallerAbort = (): void => {
      const reason: unknown = callerSignal?.reason;
      if (finish({ kind: 'cancelled', reason })) {
        controller.abort(reason);
      }
    };
    const cancelTimer = clock.schedule(() => {
      const error = new BreakerTimeoutError({ breakerName, timeoutMs });
      if (finish({ kind: 'timeout', error })) {
        controller.abort(error);
      }
    }, timeoutMs);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

    let pending: Promise<T>;
    try {
      pending = Promise.resolve(fn(controller.signal));
    } catch (error) {
      // A function that throws before returning its promise failed like one that rejects.
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => finish({ kind: 'success', value }),
      (error: unknown) => finish({ kind: 'error', error }),
    );
  });
}
