import { describe, expect, it } from 'vitest';
import { defaultClassify } from './classify.ts';
import { systemClock } from './clock.ts';
import { DEFAULT_BREAKER_SETTINGS, resolveSettings } from './options.ts';

describe('resolveSettings', () => {
  it('returns the documented defaults when given nothing', () => {
    expect(resolveSettings()).toEqual({
      windowMs: 30_000,
      windowBuckets: 10,
      minimumCalls: 10,
      failureRateThreshold: 0.5,
      openMs: 30_000,
      maxOpenMs: 300_000,
      halfOpenMaxCalls: 1,
      halfOpenSuccessesToClose: 2,
      callTimeoutMs: 10_000,
      classify: defaultClassify,
      clock: systemClock,
    });
  });

  it('merges user options over the defaults', () => {
    const settings = resolveSettings({ minimumCalls: 3, callTimeoutMs: 60_000 });

    expect(settings.minimumCalls).toBe(3);
    expect(settings.callTimeoutMs).toBe(60_000);
    expect(settings.windowMs).toBe(DEFAULT_BREAKER_SETTINGS.windowMs);
  });

  it.each([
    [{ windowMs: 0 }, /windowMs .*got 0/],
    [{ windowMs: Number.POSITIVE_INFINITY }, /windowMs .*got Infinity/],
    [{ windowBuckets: 2.5 }, /windowBuckets .*got 2.5/],
    [{ windowMs: 5, windowBuckets: 10 }, /windowBuckets .*got 10/],
    [{ minimumCalls: 0 }, /minimumCalls .*got 0/],
    [{ failureRateThreshold: 0 }, /failureRateThreshold .*got 0/],
    [{ failureRateThreshold: 1.5 }, /failureRateThreshold .*got 1.5/],
    [{ failureRateThreshold: Number.NaN }, /failureRateThreshold .*got NaN/],
    [{ openMs: -1 }, /openMs .*got -1/],
    [{ maxOpenMs: 1_000 }, /maxOpenMs must be >= openMs \(30000\), got 1000/],
    [{ halfOpenMaxCalls: 0 }, /halfOpenMaxCalls .*got 0/],
    [{ halfOpenSuccessesToClose: 1.5 }, /halfOpenSuccessesToClose .*got 1.5/],
    [{ callTimeoutMs: 0 }, /callTimeoutMs .*got 0/],
    [{ callTimeoutMs: 2 ** 31 }, /callTimeoutMs .*got 2147483648/],
    [{ minimumCalls: undefined }, /minimumCalls .*got undefined/],
  ])('rejects %o with a RangeError naming the option', (options, message) => {
    expect(() => resolveSettings(options)).toThrow(RangeError);
    expect(() => resolveSettings(options)).toThrow(message);
  });

  it('rejects hooks and classifiers that are not functions with a TypeError', () => {
    const notAFunction = 'log' as unknown as () => void;

    expect(() => resolveSettings({ onStateChange: notAFunction })).toThrow(TypeError);
    expect(() => resolveSettings({ onCallResult: notAFunction })).toThrow(/onCallResult/);
    expect(() =>
      resolveSettings({ classify: notAFunction as unknown as typeof defaultClassify }),
    ).toThrow(/classify must be a function, got log/);
  });
});
