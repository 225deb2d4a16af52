import type { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { backoffDelayMs } from './backoff.ts';
import { CONSUMER_DEFAULTS, resolveConsumerOptions } from './options.ts';

const base = {
  redis: {} as Redis,
  stream: '{herald}:enrich',
  group: 'enrich-workers',
  consumer: 'enricher-1',
  deadLetterStream: '{herald}:enrich:dead',
};

describe('resolveConsumerOptions', () => {
  test('merges the defaults under the given options', () => {
    const resolved = resolveConsumerOptions({ ...base, blockMs: 250 });
    expect(resolved).toMatchObject({ ...CONSUMER_DEFAULTS, blockMs: 250 });
  });

  test.each([
    [{ batchSize: 0 }, /batchSize must be an integer >= 1, got 0/],
    [{ blockMs: 0 }, /blockMs must be an integer >= 1, got 0/],
    [{ reclaimIdleMs: 1.5 }, /reclaimIdleMs must be an integer >= 1, got 1.5/],
    [{ watchdogGraceMs: 0 }, /watchdogGraceMs must be an integer >= 1, got 0/],
    [{ trimIntervalMs: -1 }, /trimIntervalMs must be an integer >= 0, got -1/],
    [{ backoffMinMs: 500, backoffMaxMs: 100 }, /backoffMaxMs must be an integer >= 500, got 100/],
    [{ consumer: 'two words' }, /consumer must not contain whitespace, got two words/],
    [{ deadLetterStream: '{other}:enrich:dead' }, /got \{other\}:enrich:dead/],
  ])('rejects %o', (override, message) => {
    expect(() => resolveConsumerOptions({ ...base, ...override })).toThrow(RangeError);
    expect(() => resolveConsumerOptions({ ...base, ...override })).toThrow(message);
  });

  test('rejects a missing name with a TypeError', () => {
    expect(() => resolveConsumerOptions({ ...base, group: '' })).toThrow(TypeError);
  });
});

describe('backoffDelayMs', () => {
  const bounds = { minMs: 100, maxMs: 1_000 };

  test('doubles from the minimum up to the maximum, jittered between half and all of it', () => {
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelayMs(n, bounds, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelayMs(n, bounds, () => 0.999_999))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });
});
