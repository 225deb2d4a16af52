import { describe, expect, test } from 'vitest';
import { parseRetryAfter } from './retry-after.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');

  test('reads delta-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 30 ', now)).toBe(30_000);
  });

  test('reads an HTTP-date, and a date in the past as no wait', () => {
    expect(parseRetryAfter('Fri, 04 Dec 2026 12:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Fri, 04 Dec 2026 11:00:00 GMT', now)).toBe(0);
  });

  test('absent or unreadable values ask for nothing', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
  });
});
