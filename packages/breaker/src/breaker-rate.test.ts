import { describe, expect, it } from 'vitest';
import { isBrokenCircuitError } from './errors.ts';
import { breakerUnderTest, errorOf, failCalls, httpError, succeedCalls } from './test-support.ts';

describe('CircuitBreaker in the closed state', () => {
  it('opens on a 50 % failure rate of alternating failures and successes (CB-01)', async () => {
    const { breaker, clock, transitions } = breakerUnderTest({
      failureRateThreshold: 0.5,
      minimumCalls: 20,
    });

    let callsBeforeOpen = 0;
    for (let i = 0; i < 200 && breaker.state === 'closed'; i += 1) {
      callsBeforeOpen += 1;
      const fail = i % 2 === 0;
      await errorOf(
        breaker.execute(() => (fail ? Promise.reject(httpError(503)) : Promise.resolve('ok'))),
      );
      clock.advance(100);
    }

    // A consecutive-failure counter would be reset by every success and never trip.
    expect(breaker.state).toBe('open');
    expect(callsBeforeOpen).toBe(20);
    expect(transitions).toMatchObject([{ from: 'closed', to: 'open', reason: 'failure-rate' }]);
  });

  it('opens at exactly the threshold and stays closed just below it (CB-03)', async () => {
    const atThreshold = breakerUnderTest({ failureRateThreshold: 0.5, minimumCalls: 20 });
    await succeedCalls(atThreshold.breaker, 10);
    await failCalls(atThreshold.breaker, 10);

    const below = breakerUnderTest({ failureRateThreshold: 0.5, minimumCalls: 20 });
    await succeedCalls(below.breaker, 11);
    await failCalls(below.breaker, 9);

    expect(atThreshold.breaker.state).toBe('open');
    expect(below.breaker.state).toBe('closed');
    expect(below.breaker.snapshot()).toMatchObject({ calls: 20, failureRate: 0.45 });
  });

  it('never opens below the minimum number of calls, even at 100 % failures (CB-02)', async () => {
    const { breaker } = breakerUnderTest({ minimumCalls: 10 });

    await failCalls(breaker, 1);
    expect(breaker.state).toBe('closed');

    await failCalls(breaker, 8);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', calls: 9, failureRate: 1 });

    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('forgets failures older than the window (CB-04)', async () => {
    const { breaker, clock } = breakerUnderTest({ minimumCalls: 10, windowMs: 10_000 });
    await failCalls(breaker, 9);

    clock.advance(10_000);
    await failCalls(breaker, 1);

    expect(breaker.snapshot()).toMatchObject({ state: 'closed', calls: 1 });
  });

  it('stays closed through 100 x 400 and opens on 100 x 503 (CB-15)', async () => {
    const clientErrors = breakerUnderTest();
    let clientErrorCalls = 0;
    for (let i = 0; i < 100; i += 1) {
      const err = await errorOf(
        clientErrors.breaker.execute(() => {
          clientErrorCalls += 1;
          return Promise.reject(httpError(400));
        }),
      );
      expect(err).toMatchObject({ status: 400 });
    }

    const serverErrors = breakerUnderTest();
    let serverErrorCalls = 0;
    const thrown: unknown[] = [];
    for (let i = 0; i < 100; i += 1) {
      thrown.push(
        await errorOf(
          serverErrors.breaker.execute(() => {
            serverErrorCalls += 1;
            return Promise.reject(httpError(503));
          }),
        ),
      );
    }

    expect(clientErrors.breaker.snapshot()).toMatchObject({ state: 'closed', calls: 0 });
    expect(clientErrorCalls).toBe(100);
    expect(new Set(clientErrors.results.map((r) => r.outcome))).toEqual(new Set(['ignored']));
    expect(serverErrors.breaker.state).toBe('open');
    // Opened at the default minimum of 10 calls; the other 90 never reached the destination.
    expect(serverErrorCalls).toBe(10);
    expect(thrown.filter(isBrokenCircuitError)).toHaveLength(90);
  });

  it('does not count 429 rate limits as failures (CB-18), but counts 408', async () => {
    const rateLimited = breakerUnderTest();
    for (let i = 0; i < 100; i += 1) {
      await errorOf(rateLimited.breaker.execute(() => Promise.reject(httpError(429))));
    }
    const requestTimeouts = breakerUnderTest();
    for (let i = 0; i < 10; i += 1) {
      await errorOf(requestTimeouts.breaker.execute(() => Promise.reject(httpError(408))));
    }

    expect(rateLimited.breaker.state).toBe('closed');
    expect(requestTimeouts.breaker.state).toBe('open');
  });

  it('ignores errors marked breakerOutcome: ignore and rethrows them unchanged', async () => {
    const { breaker } = breakerUnderTest({ minimumCalls: 1 });
    const marked = Object.assign(new Error('alert rejected by template'), {
      breakerOutcome: 'ignore' as const,
    });

    const err = await errorOf(breaker.execute(() => Promise.reject(marked)));

    expect(err).toBe(marked);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', calls: 0 });
  });

  it('uses a custom classify, and counts an error as a failure if classify throws', async () => {
    const ignoring = breakerUnderTest({ minimumCalls: 1, classify: () => 'ignore' });
    await failCalls(ignoring.breaker, 20);

    const broken = breakerUnderTest({
      minimumCalls: 1,
      classify: () => {
        throw new Error('classifier bug');
      },
    });
    const original = httpError(404);
    const err = await errorOf(broken.breaker.execute(() => Promise.reject(original)));

    expect(ignoring.breaker.state).toBe('closed');
    expect(err).toBe(original);
    expect(broken.breaker.state).toBe('open');
  });
});
