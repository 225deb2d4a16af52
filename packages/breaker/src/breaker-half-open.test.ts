import { describe, expect, it } from 'vitest';
import { BrokenCircuitError, isBrokenCircuitError } from './errors.ts';
import {
  breakerUnderTest,
  deferred,
  errorOf,
  failCalls,
  httpError,
  succeedCalls,
} from './test-support.ts';

const OPEN_MS = 30_000;

describe('CircuitBreaker half-open', () => {
  it('turns half-open lazily once the open duration has passed (CB-13)', async () => {
    const { breaker, clock, transitions } = breakerUnderTest({ minimumCalls: 2, openMs: OPEN_MS });
    await failCalls(breaker, 2);
    const openedAt = clock.now();

    expect(breaker.snapshot()).toMatchObject({ state: 'open', openUntil: openedAt + OPEN_MS });
    clock.advance(OPEN_MS - 1);
    expect(breaker.state).toBe('open');
    clock.advance(1);

    // No call was made: reading the state is enough.
    expect(breaker.state).toBe('half-open');
    expect(breaker.snapshot().openUntil).toBeNull();
    expect(transitions.at(-1)).toEqual({
      name: 'smtp:relay',
      from: 'open',
      to: 'half-open',
      reason: 'open-elapsed',
      at: openedAt + OPEN_MS,
    });
  });

  it.each([1, 3])(
    'runs fn exactly halfOpenMaxCalls = %i times for 50 concurrent calls (CB-09)',
    async (halfOpenMaxCalls) => {
      const { breaker, clock } = breakerUnderTest({
        minimumCalls: 2,
        openMs: OPEN_MS,
        halfOpenMaxCalls,
        callTimeoutMs: 10_000,
      });
      await failCalls(breaker, 2);
      clock.advance(OPEN_MS);
      const answer = deferred();
      let runs = 0;

      const calls = Array.from({ length: 50 }, () =>
        breaker.execute(() => {
          runs += 1;
          return answer.promise;
        }),
      );
      answer.resolve('ok');
      const errors = await Promise.all(calls.map(errorOf));

      expect(runs).toBe(halfOpenMaxCalls);
      const refused = errors.filter(isBrokenCircuitError);
      expect(refused).toHaveLength(50 - halfOpenMaxCalls);
      // A slot frees up at the latest when the trials time out.
      expect(refused[0]).toMatchObject({ state: 'half-open', retryAfterMs: 10_000 });
    },
  );

  it('re-opens on success-success-failure and closes on enough successes (CB-10)', async () => {
    const { breaker, clock, transitions } = breakerUnderTest({
      minimumCalls: 2,
      openMs: OPEN_MS,
      halfOpenMaxCalls: 3,
      halfOpenSuccessesToClose: 3,
    });
    await failCalls(breaker, 2);
    clock.advance(OPEN_MS);

    await succeedCalls(breaker, 2);
    expect(breaker.state).toBe('half-open');
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(transitions.at(-1)).toMatchObject({
      from: 'half-open',
      to: 'open',
      reason: 'probe-failed',
    });

    clock.advance(OPEN_MS * 2);
    await succeedCalls(breaker, 3);
    expect(breaker.state).toBe('closed');
    expect(transitions.at(-1)).toMatchObject({ to: 'closed', reason: 'probes-succeeded' });
    // Closing starts a fresh window: the outage's failures are forgotten.
    expect(breaker.snapshot()).toMatchObject({ calls: 0, failureRate: 0 });
  });

  it('re-opens when a trial times out', async () => {
    const { breaker, clock } = breakerUnderTest({
      minimumCalls: 2,
      openMs: OPEN_MS,
      callTimeoutMs: 5_000,
    });
    await failCalls(breaker, 2);
    clock.advance(OPEN_MS);

    const trial = breaker.execute(() => deferred().promise);
    clock.advance(5_000);
    await errorOf(trial);

    expect(breaker.state).toBe('open');
  });

  it('frees the slot of a cancelled trial without a verdict (CB-11)', async () => {
    const { breaker, clock } = breakerUnderTest({ minimumCalls: 2, openMs: OPEN_MS });
    await failCalls(breaker, 2);
    clock.advance(OPEN_MS);
    const controller = new AbortController();
    const trial = breaker.execute(() => deferred().promise, { signal: controller.signal });

    expect(await errorOf(breaker.execute(async () => 'second'))).toBeInstanceOf(BrokenCircuitError);
    controller.abort();
    await errorOf(trial);

    expect(breaker.state).toBe('half-open');
    expect(await breaker.execute(async () => 'next trial')).toBe('next trial');
  });

  it('frees the slot of a trial that hit an ignored error, without closing (CB-17)', async () => {
    const { breaker, clock } = breakerUnderTest({
      minimumCalls: 2,
      openMs: OPEN_MS,
      halfOpenSuccessesToClose: 2,
    });
    await failCalls(breaker, 2);
    clock.advance(OPEN_MS);

    const err = await errorOf(breaker.execute(() => Promise.reject(httpError(404))));
    expect(err).toMatchObject({ status: 404 });
    expect(breaker.state).toBe('half-open');

    // The 404 was no success: two real successes are still needed.
    await succeedCalls(breaker, 1);
    expect(breaker.state).toBe('half-open');
    await succeedCalls(breaker, 1);
    expect(breaker.state).toBe('closed');
  });

  it('ignores results of calls started before the last state change (CB-12)', async () => {
    const { breaker, clock, transitions } = breakerUnderTest({
      minimumCalls: 3,
      openMs: 5_000,
      callTimeoutMs: 60_000,
      halfOpenSuccessesToClose: 1,
    });
    const slowSuccess = deferred();
    const slowFailure = deferred();
    const slowCalls = [
      breaker.execute(() => slowSuccess.promise),
      breaker.execute(() => slowFailure.promise),
    ];
    await failCalls(breaker, 3);
    clock.advance(5_000);
    expect(breaker.state).toBe('half-open');

    slowSuccess.resolve('pre-outage answer');
    slowFailure.reject(httpError(503));
    const [value, err] = await Promise.all(slowCalls.map(errorOf));

    expect(value).toBeUndefined();
    expect(err).toMatchObject({ status: 503 });
    expect(breaker.state).toBe('half-open');
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half-open']);
    // The trial slot is still free for a call made now.
    expect(await breaker.execute(async () => 'trial')).toBe('trial');
    expect(breaker.state).toBe('closed');
  });

  it('doubles the open duration on each failed probe up to maxOpenMs (CB-14)', async () => {
    const { breaker, clock } = breakerUnderTest({
      minimumCalls: 2,
      openMs: 1_000,
      maxOpenMs: 5_000,
      halfOpenSuccessesToClose: 1,
    });
    const openDurations: number[] = [];
    const recordOpenDuration = async () => {
      const err = await errorOf(breaker.execute(async () => 'refused'));
      expect(isBrokenCircuitError(err)).toBe(true);
      const retryAfterMs = (err as BrokenCircuitError).retryAfterMs;
      expect(breaker.snapshot().openUntil).toBe(clock.now() + retryAfterMs);
      openDurations.push(retryAfterMs);
      clock.advance(retryAfterMs);
    };

    await failCalls(breaker, 2);
    await recordOpenDuration();
    for (let probe = 0; probe < 4; probe += 1) {
      await failCalls(breaker, 1);
      await recordOpenDuration();
    }
    await succeedCalls(breaker, 1);
    expect(breaker.state).toBe('closed');
    await failCalls(breaker, 2);
    await recordOpenDuration();

    expect(openDurations).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 1_000]);
  });

  it('reports one outage as exactly one open and one close (CB-20)', async () => {
    const { breaker, clock, transitions } = breakerUnderTest({
      minimumCalls: 5,
      openMs: OPEN_MS,
      callTimeoutMs: 60_000,
    });
    // Calls already in flight when the breaker trips fail afterwards (Polly #219).
    const overhanging = Array.from({ length: 5 }, () => deferred());
    const overhangingCalls = overhanging.map((call) => breaker.execute(() => call.promise));
    await failCalls(breaker, 20);
    for (const call of overhanging) {
      call.reject(httpError(503));
    }
    await Promise.all(overhangingCalls.map(errorOf));
    breaker.snapshot();

    clock.advance(OPEN_MS);
    await succeedCalls(breaker, 2);

    expect(breaker.state).toBe('closed');
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->closed',
    ]);
  });

  it('holds open while isolated until reset (CB-21)', async () => {
    const { breaker, clock, transitions } = breakerUnderTest({ minimumCalls: 2, openMs: OPEN_MS });
    await failCalls(breaker, 1);
    breaker.isolate();
    let runs = 0;

    clock.advance(24 * 60 * 60 * 1_000);
    const err = await errorOf(
      breaker.execute(async () => {
        runs += 1;
      }),
    );

    expect(runs).toBe(0);
    expect(err).toMatchObject({ code: 'BREAKER_OPEN', isolated: true, retryAfterMs: OPEN_MS });
    expect(breaker.snapshot()).toMatchObject({ state: 'open', isolated: true, openUntil: null });

    breaker.reset();
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', isolated: false, calls: 0 });
    await breaker.execute(async () => {
      runs += 1;
    });
    expect(runs).toBe(1);
    expect(transitions).toMatchObject([
      { from: 'closed', to: 'open', reason: 'isolated' },
      { from: 'open', to: 'closed', reason: 'reset' },
    ]);
  });

  it('keeps an isolated breaker open when a trial started before isolating succeeds', async () => {
    const { breaker, clock } = breakerUnderTest({
      minimumCalls: 2,
      openMs: OPEN_MS,
      halfOpenSuccessesToClose: 1,
    });
    await failCalls(breaker, 2);
    clock.advance(OPEN_MS);
    const answer = deferred();
    const trial = breaker.execute(() => answer.promise);

    breaker.isolate();
    answer.resolve('ok');
    await trial;

    expect(breaker.snapshot()).toMatchObject({ state: 'open', isolated: true });
  });

  it('stays consistent when a hook throws, and hands the error to the caller', async () => {
    const hookError = new Error('metrics exporter down');
    const { breaker, results } = breakerUnderTest({
      minimumCalls: 2,
      onStateChange: () => {
        throw hookError;
      },
    });
    await failCalls(breaker, 1);

    const err = await errorOf(breaker.execute(() => Promise.reject(httpError(503))));

    expect(err).toBe(hookError);
    // onCallResult still ran for the call whose state change threw.
    expect(results.map((r) => r.outcome)).toEqual(['failure', 'failure']);
    expect(await errorOf(breaker.execute(async () => 'x'))).toBeInstanceOf(BrokenCircuitError);
  });
});
