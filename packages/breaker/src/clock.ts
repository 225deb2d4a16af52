/**
 * Time as the breaker sees it. Injected so that tests can move time by hand instead of
 * sleeping; production code uses {@link systemClock}.
 */
export interface BreakerClock {
  /** Milliseconds since the Unix epoch (snapshots and events report these values). */
  now(): number;
  /** Calls `callback` once after `delayMs`; the returned function cancels it if still pending. */
  schedule(callback: () => void, delayMs: number): () => void;
}

/** The wall clock and Node timers. */
export const systemClock: BreakerClock = {
  now: () => Date.now(),
  schedule(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    return () => clearTimeout(timer);
  },
};
