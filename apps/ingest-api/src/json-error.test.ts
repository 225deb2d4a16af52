import { describe, expect, it } from 'vitest';
import { loadCorpus } from '@herald/testkit';
import { jsonErrorOffset, locateJsonError } from './json-error.ts';

function parseError(text: string): unknown {
  try {
    JSON.parse(text);
  } catch (err) {
    return err;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

// A small deterministic generator (mulberry32), so a failure reproduces.
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('locateJsonError', () => {
  it('finds the unexpected token V8 reports without a position', () => {
    const text = '{"timestamp": "x",\n "rule": }';
    const { reason, at } = locateJsonError(text, parseError(text));
    expect(reason).toMatch(/^Unexpected token '}'/);
    expect(at).toEqual({ offset: 28, line: 2, column: 10 });
  });

  it("takes the position from V8's message when it gives one, and drops it from the reason", () => {
    const text = '[1] x';
    expect(locateJsonError(text, parseError(text))).toEqual({
      reason: 'Unexpected non-whitespace character after JSON',
      at: { offset: 4, line: 1, column: 5 },
    });
  });
});

describe('jsonErrorOffset', () => {
  it('agrees with JSON.parse on valid and broken variants of every corpus alert', () => {
    const random = seeded(20261204);
    const noise = [
      '"',
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '\\',
      '0',
      '-',
      'e',
      '.',
      't',
      ' ',
      '\u0001',
      'u',
    ];
    let broken = 0;
    for (const { raw } of loadCorpus()) {
      expect(jsonErrorOffset(raw)).toBeUndefined();
      for (let n = 0; n < 200; n += 1) {
        const at = Math.floor(random() * raw.length);
        const char = noise[Math.floor(random() * noise.length)]!;
        const variant =
          random() < 0.5 ? raw.slice(0, at) + char + raw.slice(at + 1) : raw.slice(0, at);
        let valid = true;
        try {
          JSON.parse(variant);
        } catch {
          valid = false;
          broken += 1;
        }
        const offset = jsonErrorOffset(variant);
        expect(
          offset === undefined,
          JSON.stringify(variant.slice(Math.max(0, at - 20), at + 20)),
        ).toBe(valid);
        if (offset !== undefined) {
          expect(offset).toBeLessThanOrEqual(variant.length);
        }
      }
    }
    expect(broken).toBeGreaterThan(1000);
  });

  it('scans nesting far deeper than the call stack allows', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(jsonErrorOffset(deep)).toBeUndefined();
    expect(jsonErrorOffset(deep.slice(0, -1))).toBe(399_999);
  });
});
