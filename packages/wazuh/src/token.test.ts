import { describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_LIFETIME_MS, tokenLifetimeMs } from './token.ts';

const jwt = (payload: object) =>
  `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

describe('tokenLifetimeMs', () => {
  const nowMs = Date.parse('2026-12-01T10:00:00Z');

  it('measures the life from nbf to exp, whatever the clocks say', () => {
    // The manager's clock is an hour ahead of ours: the token still lives 900 s for us.
    const issued = nowMs / 1000 + 3600;
    expect(tokenLifetimeMs(jwt({ nbf: issued, exp: issued + 900 }), nowMs)).toBe(900_000);
    expect(tokenLifetimeMs(jwt({ iat: issued, nbf: issued, exp: issued + 300 }), nowMs)).toBe(
      300_000,
    );
  });

  it('falls back to exp against our clock, then to 900 s', () => {
    expect(tokenLifetimeMs(jwt({ exp: nowMs / 1000 + 120 }), nowMs)).toBe(120_000);
    expect(tokenLifetimeMs(jwt({ sub: 'wazuh' }), nowMs)).toBe(DEFAULT_TOKEN_LIFETIME_MS);
    expect(tokenLifetimeMs('opaque-token', nowMs)).toBe(DEFAULT_TOKEN_LIFETIME_MS);
    expect(tokenLifetimeMs('a.!!!.c', nowMs)).toBe(DEFAULT_TOKEN_LIFETIME_MS);
  });
});
