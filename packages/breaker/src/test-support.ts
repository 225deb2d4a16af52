import { CircuitBreaker } from './breaker.ts';
import type { CallResultEvent, StateChangeEvent } from './events.ts';
import { ManualClock } from './manual-clock.ts';
import type { BreakerSettings } from './options.ts';

/** A breaker on a manual clock that records every hook call; for this package's tests. */
export function breakerUnderTest(options: Partial<BreakerSettings> = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const transitions: StateChangeEvent[] = [];
  const results: CallResultEvent[] = [];
  const breaker = new CircuitBreaker({
    name: 'smtp:relay',
    clock,
    onStateChange: (event) => transitions.push(event),
    onCallResult: (event) => results.push(event),
    ...options,
  });
  return { breaker, clock, transitions, results };
}

/** An error shaped like the HTTP clients' errors: a message and a numeric `status`. */
export function httpError(status: number): Error & { status: number } {
  return Object.assign(new Error(`HTTP ${status}`), { status });
}

/** A promise settled from outside, for calls that must stay in flight. */
export function deferred<T = string>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Runs one call through the breaker and returns what it threw, or undefined on success. */
export async function errorOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
    return undefined;
  } catch (err) {
    return err;
  }
}

/** Makes `count` calls that fail with a 503, one after the other. */
export async function failCalls(breaker: CircuitBreaker, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    await errorOf(breaker.execute(() => Promise.reject(httpError(503))));
  }
}

/** Makes `count` calls that succeed, one after the other. */
export async function succeedCalls(breaker: CircuitBreaker, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    await breaker.execute(() => Promise.resolve('ok'));
  }
}
