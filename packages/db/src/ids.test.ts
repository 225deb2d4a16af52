import { describe, expect, it } from 'vitest';
import { isAlertId } from './alert-id.ts';
import { newId } from './ids.ts';

describe('newId', () => {
  it('makes UUIDs that sort in the order they were made', () => {
    const ids = Array.from({ length: 1_000 }, () => newId());
    expect(ids.every(isAlertId)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]![14]).toBe('7');
  });
});
