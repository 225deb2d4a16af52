import type { BreakerStateName } from './state.ts';

/**
 * Thrown instead of calling the destination while the breaker is open, isolated, or has
 * all its half-open trial slots taken. Retryable: the work is fine, the destination is
 * not, so a worker should delay it by `retryAfterMs` rather than fail it.
 */
export class BrokenCircuitError extends Error {
  readonly code = 'BREAKER_OPEN';
  readonly isBrokenCircuitError = true;
  readonly retryable = true;
  /** The breaker (destination) that refused the call. */
  readonly breakerName: string;
  /** The breaker's state when it refused: 'open' or 'half-open' (all trial slots taken). */
  readonly state: Exclude<BreakerStateName, 'closed'>;
  /**
   * Milliseconds until the breaker admits its next trial call. While isolated there is no
   * such time; the breaker then reports its base open duration as a re-check interval.
   */
  readonly retryAfterMs: number;
  /** True while an operator holds the breaker open (`isolate()`). */
  readonly isolated: boolean;

  constructor(details: {
    breakerName: string;
    state: Exclude<BreakerStateName, 'closed'>;
    retryAfterMs: number;
    isolated: boolean;
  }) {
    const why = details.isolated ? 'isolated' : details.state;
    super(
      `circuit breaker '${details.breakerName}' is ${why}; retry in ${details.retryAfterMs} ms`,
    );
    this.name = 'BrokenCircuitError';
    this.breakerName = details.breakerName;
    this.state = details.state;
    this.retryAfterMs = details.retryAfterMs;
    this.isolated = details.isolated;
  }
}

/**
 * The call did not settle within `callTimeoutMs`. Its AbortSignal was aborted with this
 * error as the reason, and the breaker counted it as a failure. Retryable.
 */
export class BreakerTimeoutError extends Error {
  readonly code = 'BREAKER_TIMEOUT';
  readonly isBreakerTimeoutError = true;
  readonly retryable = true;
  readonly breakerName: string;
  readonly timeoutMs: number;

  constructor(details: { breakerName: string; timeoutMs: number }) {
    super(`call through breaker '${details.breakerName}' timed out after ${details.timeoutMs} ms`);
    this.name = 'BreakerTimeoutError';
    this.breakerName = details.breakerName;
    this.timeoutMs = details.timeoutMs;
  }
}

/** Guard that survives duplicate copies of this package, where `instanceof` does not. */
export function isBrokenCircuitError(err: unknown): err is BrokenCircuitError {
  return typeof err === 'object' && err !== null && 'isBrokenCircuitError' in err;
}

/** Guard that survives duplicate copies of this package, where `instanceof` does not. */
export function isBreakerTimeoutError(err: unknown): err is BreakerTimeoutError {
  return typeof err === 'object' && err !== null && 'isBreakerTimeoutError' in err;
}
