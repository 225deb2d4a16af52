import { describe, expect, it } from 'vitest';
import { MAX_ALERT_DEPTH, MAX_ALERT_VALUES, findUnstorable } from './storable.ts';

describe('findUnstorable', () => {
  it('passes ordinary alerts, arrays and numbers included', () => {
    expect(
      findUnstorable({ rule: { groups: ['a', 'b'], level: 3 }, data: { n: null, ok: true } }),
    ).toBeUndefined();
  });

  it('names the field holding a NUL character or an unpaired surrogate', () => {
    expect(findUnstorable({ data: { win: { msg: 'a\u0000b' } } })).toEqual({
      field: 'data.win.msg',
      message: expect.stringContaining('NUL'),
    });
    expect(findUnstorable({ rule: { groups: ['ok', '\ud800'] } })).toEqual({
      field: 'rule.groups.1',
      message: expect.stringContaining('surrogate'),
    });
    expect(findUnstorable({ data: { 'bad\u0000key': 1 } })?.field).toBe('data.bad\\u0000key');
  });

  it('refuses __proto__ keys, which validation would silently drop', () => {
    const parsed: unknown = JSON.parse('{"data": {"__proto__": {"polluted": true}}}');
    expect(findUnstorable(parsed)).toEqual({
      field: 'data.__proto__',
      message: expect.stringContaining('__proto__'),
    });
  });

  it('refuses nesting past the limit without overflowing the stack itself', () => {
    const deep: unknown = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    expect(findUnstorable(deep)?.message).toBe(`nests deeper than ${MAX_ALERT_DEPTH} levels`);
    let ok: unknown = 'leaf';
    for (let i = 0; i < MAX_ALERT_DEPTH - 1; i += 1) ok = { next: ok };
    expect(findUnstorable(ok)).toBeUndefined();
  });
});

describe('findUnstorable: how many values', () => {
  it('passes an alert of up to MAX_ALERT_VALUES values, keys of objects and arrays alike', () => {
    // The root object, `data`, and its values: exactly the bound.
    const values = MAX_ALERT_VALUES - 2;
    expect(findUnstorable({ data: new Array<number>(values).fill(1) })).toBeUndefined();
  });

  it('refuses one value more, as wide objects or long arrays, naming the bound', () => {
    const wide = Object.fromEntries(
      Array.from({ length: MAX_ALERT_VALUES }, (_, i) => [`k${i}`, i]),
    );
    expect(findUnstorable({ data: wide })).toEqual({
      field: '(alert)',
      message: `holds more than ${MAX_ALERT_VALUES} values; a Wazuh alert holds hundreds`,
    });
    expect(findUnstorable({ data: new Array<number>(MAX_ALERT_VALUES - 1).fill(1) })).toBeDefined();
  });
});
