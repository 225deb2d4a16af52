import { describe, expect, it } from 'vitest';
import { createApiKeyCheck } from './auth.ts';

describe('createApiKeyCheck', () => {
  const check = createApiKeyCheck(['current-key-0123456789', 'previous-key-9876543210']);

  it('accepts every configured key as a bearer token, the scheme in any case', () => {
    expect(check('Bearer current-key-0123456789')).toBe('ok');
    expect(check('bearer previous-key-9876543210')).toBe('ok');
  });

  it('tells a missing bearer token from a wrong one', () => {
    expect(check(undefined)).toBe('missing');
    expect(check('Basic current-key-0123456789')).toBe('missing');
    expect(check('Bearer ')).toBe('missing');
    expect(check('Bearer current-key-012345678')).toBe('invalid');
    expect(check('Bearer current-key-0123456789x')).toBe('invalid');
  });

  it('refuses to be built without a key', () => {
    expect(() => createApiKeyCheck([])).toThrow(RangeError);
  });
});
