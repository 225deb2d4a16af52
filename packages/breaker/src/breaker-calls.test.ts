import { describe, expect, it } from 'vitest';
import { BreakerTimeoutError, isBreakerTimeoutError, isBrokenCircuitError } from './errors.ts';
import {
  breakerUnderTest,
  deferred,
  errorOf,
  failCalls,
  httpError,
  succeedCalls,
} from './test-support.ts';

describe('CircuitBreaker.execute', () => {
  it('passes the value through and hands fn a live signal', async () => {
    const { breaker, results } = breakerUnderTest();
    let received: AbortSignal | undefined;

    const value = await breaker.execute(async (signal) => {
      received = signal;
      return 42;
    });

    expect(value).toBe(42);
    expect(received?.aborted).toBe(false);
    expect(results).toEqual([{ name: 'smtp:relay', outcome: 'success', durationMs: 0 }]);
  });

  it('times out a hanging call, aborts its signal and counts a failure (CB-05, CB-06)', async () => {
    const { breaker, clock, results } = breakerUnderTest({ callTimeoutMs: 5_000 });
    let received: AbortSignal | undefined;
    const hanging = deferred();

    const call = breaker.execute((signal) => {
      received = signal;
      return hanging.promise;
    });
    clock.advance(4_999);
    expect(received?.aborted).toBe(false);
    clock.advance(1);
    const err = await errorOf(call);

    expect(err).toBeInstanceOf(BreakerTimeoutError);
    expect(isBreakerTimeoutError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'BREAKER_TIMEOUT', timeoutMs: 5_000, retryable: true });
    expect(received?.aborted).toBe(true);
    expect(received?.reason).toBe(err);
    expect(breaker.snapshot()).toMatchObject({ calls: 1, failureRate: 1 });
    expect(results).toEqual([{ name: 'smtp:relay', outcome: 'timeout', durationMs: 5_000 }]);

    // The late answer of a timed-out call is dropped, not counted as a success.
    hanging.resolve('late');
    await Promise.resolve();
    expect(breaker.snapshot()).toMatchObject({ calls: 1, failureRate: 1 });
  });

  it('opens on timeouts alone', async () => {
    const { breaker, clock } = breakerUnderTest({ minimumCalls: 3, callTimeoutMs: 1_000 });
    const calls = [1, 2, 3].map(() => breaker.execute(() => deferred().promise));

    clock.advance(1_000);
    const errors = await Promise.all(calls.map(errorOf));

    expect(errors.every(isBreakerTimeoutError)).toBe(true);
    expect(breaker.state).toBe('open');
  });

  it('clears the timeout timer when a call settles', async () => {
    const { breaker, clock } = breakerUnderTest();
    await succeedCalls(breaker, 3);
    await failCalls(breaker, 3);

    expect(clock.pendingTimers).toBe(0);
  });

  it('treats 50 caller-cancelled calls as neutral (CB-16)', async () => {
    const { breaker, clock, results } = breakerUnderTest({ minimumCalls: 20 });
    await succeedCalls(breaker, 5);
    await failCalls(breaker, 5);
    const before = breaker.snapshot();
    const signals: AbortSignal[] = [];
    const controllers = Array.from({ length: 50 }, () => new AbortController());

    const calls = controllers.map((controller) =>
      breaker.execute(
        (signal) => {
          signals.push(signal);
          return deferred().promise;
        },
        { signal: controller.signal },
      ),
    );
    const reason = new Error('worker shutting down');
    for (const controller of controllers) {
      controller.abort(reason);
    }
    const errors = await Promise.all(calls.map(errorOf));

    expect(errors.every((err) => err === reason)).toBe(true);
    expect(signals.every((signal) => signal.aborted && signal.reason === reason)).toBe(true);
    expect(breaker.snapshot()).toEqual(before);
    expect(before).toMatchObject({ calls: 10, failureRate: 0.5 });
    expect(results.filter((r) => r.outcome === 'cancelled')).toHaveLength(50);
    expect(clock.pendingTimers).toBe(0);
  });

  it('does not run fn for an already aborted signal', async () => {
    const { breaker, results } = breakerUnderTest();
    const controller = new AbortController();
    controller.abort();
    let ran = false;

    const err = await errorOf(
      breaker.execute(
        async () => {
          ran = true;
        },
        { signal: controller.signal },
      ),
    );

    expect(ran).toBe(false);
    expect(err).toBe(controller.signal.reason);
    expect(results).toEqual([{ name: 'smtp:relay', outcome: 'cancelled', durationMs: 0 }]);
  });

  it('counts a function that throws before returning a promise as failed', async () => {
    const { breaker } = breakerUnderTest({ minimumCalls: 1 });
    const thrown = new Error('bad url');

    const err = await errorOf(
      breaker.execute(() => {
        throw thrown;
      }),
    );

    expect(err).toBe(thrown);
    expect(breaker.state).toBe('open');
  });

  it('refuses calls while open without running them, with a retry time', async () => {
    const { breaker, clock, results } = breakerUnderTest({ minimumCalls: 2, openMs: 30_000 });
    await failCalls(breaker, 2);
    clock.advance(10_000);
    let ran = false;

    const err = await errorOf(
      breaker.execute(async () => {
        ran = true;
      }),
    );

    expect(ran).toBe(false);
    expect(isBrokenCircuitError(err)).toBe(true);
    expect(err).toMatchObject({
      code: 'BREAKER_OPEN',
      breakerName: 'smtp:relay',
      state: 'open',
      retryAfterMs: 20_000,
      retryable: true,
      isolated: false,
    });
    expect(results.at(-1)).toEqual({ name: 'smtp:relay', outcome: 'rejected', durationMs: 0 });
  });

  it('reports how long each call took', async () => {
    const { breaker, clock, results } = breakerUnderTest();
    const answer = deferred();

    const call = breaker.execute(() => answer.promise);
    clock.advance(250);
    answer.reject(httpError(500));
    await errorOf(call);

    expect(results).toEqual([{ name: 'smtp:relay', outcome: 'failure', durationMs: 250 }]);
  });
});
