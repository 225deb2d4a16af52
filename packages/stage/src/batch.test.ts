import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './batch.ts';

describe('retryDelayMs', () => {
  const base = { retryBaseMs: 1_000, retryMaxMs: 60_000 };

  it('doubles per attempt between half and all of the ceiling, and stops at the cap', () => {
    expect(retryDelayMs(1, { ...base, random: () => 0 })).toBe(500);
    expect(retryDelayMs(1, { ...base, random: () => 0.999999 })).toBe(1_000);
    expect(retryDelayMs(3, { ...base, random: () => 0 })).toBe(2_000);
    expect(retryDelayMs(3, { ...base, random: () => 0.5 })).toBe(3_000);
    expect(retryDelayMs(20, { ...base, random: () => 0.999999 })).toBe(60_000);
  });

  it('spreads alerts that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(4, base)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
