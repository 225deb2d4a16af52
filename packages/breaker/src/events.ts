import type { BreakerStateName } from './state.ts';

/** Why the breaker changed state; lets a log line say more than "opened". */
export type StateChangeReason =
  'failure-rate' | 'probe-failed' | 'open-elapsed' | 'probes-succeeded' | 'isolated' | 'reset';

/** One transition between two different reported states. */
export interface StateChangeEvent {
  readonly name: string;
  readonly from: BreakerStateName;
  readonly to: BreakerStateName;
  readonly reason: StateChangeReason;
  /** Clock time of the transition, ms since the epoch. */
  readonly at: number;
}

/**
 * How one `execute` call ended:
 * - `success`, `failure`, `timeout`: the destination answered, failed, or did not answer
 *   in time; the last two count against it;
 * - `ignored`: the call threw an error the classifier ignores (a 4xx, a 429);
 * - `cancelled`: the caller aborted its signal; neutral;
 * - `rejected`: the breaker refused the call without running it.
 */
export type CallOutcome = 'success' | 'failure' | 'timeout' | 'ignored' | 'cancelled' | 'rejected';

/** One finished `execute` call, for latency and outcome metrics. */
export interface CallResultEvent {
  readonly name: string;
  readonly outcome: CallOutcome;
  /** Time from `execute` to its result; 0 for calls that never ran. */
  readonly durationMs: number;
}

/**
 * Typed hooks instead of logging. They run synchronously after the breaker's state is
 * updated; an exception thrown by a hook reaches the caller that triggered it and leaves
 * the breaker consistent.
 */
export interface BreakerHooks {
  /** Fires once per transition between two different reported states (CB-20). */
  readonly onStateChange?: (event: StateChangeEvent) => void;
  /** Fires once per `execute` call, whatever its outcome. */
  readonly onCallResult?: (event: CallResultEvent) => void;
}
