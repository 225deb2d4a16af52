import { describe, expect, it } from 'vitest';
import { isConfigError } from '@herald/runtime';
import { loadEnv } from './env.ts';

const required = {
  DATABASE_URL: 'postgresql://herald@127.0.0.1:5432/herald',
  REDIS_URL: 'redis://127.0.0.1:6379',
  HERALD_API_KEY: 'first-key-0123456789',
};

function configMessage(source: Record<string, string>): string {
  try {
    loadEnv(source);
  } catch (err) {
    if (isConfigError(err)) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadEnv', () => {
  it('applies the documented defaults', () => {
    expect(loadEnv(required)).toMatchObject({
      HERALD_REDIS_NAMESPACE: 'herald',
      HERALD_HTTP_HOST: '127.0.0.1',
      HERALD_HTTP_PORT: 8080,
      HERALD_API_KEY: ['first-key-0123456789'],
      HERALD_BODY_LIMIT_BYTES: 10 * 1024 * 1024,
      HERALD_MAX_ALERTS_PER_REQUEST: 5000,
      HERALD_MAX_RETRIES: 3,
      HERALD_MAX_PIPELINE_LAG: 100_000,
      HERALD_MAX_BODY_BYTES_IN_FLIGHT: 10 * 1024 * 1024,
      HERALD_BACKPRESSURE_CHECK_MS: 1_000,
      HERALD_BACKPRESSURE_RETRY_AFTER_S: 5,
      LOG_LEVEL: 'info',
    });
  });

  it('reads several comma-separated keys for a rotation', () => {
    const env = loadEnv({
      ...required,
      HERALD_API_KEY: ' first-key-0123456789 , second-key-0123456789,',
    });
    expect(env.HERALD_API_KEY).toEqual(['first-key-0123456789', 'second-key-0123456789']);
  });

  it('names each bad variable', () => {
    const message = configMessage({
      ...required,
      HERALD_HTTP_PORT: 'abc',
      HERALD_MAX_ALERTS_PER_REQUEST: '0',
      HERALD_MAX_RETRIES: '-1',
    });
    expect(message).toContain(
      'HERALD_HTTP_PORT: must be a port number from 0 to 65535 (got "abc")',
    );
    expect(message).toMatch(/HERALD_MAX_ALERTS_PER_REQUEST: .*\(got "0"\)/);
    expect(message).toContain('HERALD_MAX_RETRIES: must be a whole number >= 0 (got "-1")');
    expect(loadEnv({ ...required, HERALD_MAX_RETRIES: '0' }).HERALD_MAX_RETRIES).toBe(0);
    expect(loadEnv({ ...required, HERALD_MAX_PIPELINE_LAG: '0' }).HERALD_MAX_PIPELINE_LAG).toBe(0);
    expect(configMessage({ ...required, HERALD_MAX_PIPELINE_LAG: '-5' })).toContain(
      'HERALD_MAX_PIPELINE_LAG: must be a whole number >= 0 (got "-5")',
    );
    expect(
      configMessage({ DATABASE_URL: required.DATABASE_URL, REDIS_URL: required.REDIS_URL }),
    ).toMatch(/HERALD_API_KEY: /);
  });

  it('names a key that is too short by its place in the list, never by its value', () => {
    const message = configMessage({ ...required, HERALD_API_KEY: 'first-key-0123456789,sekrit' });
    expect(message).toContain('HERALD_API_KEY.1: each API key must be at least 16 characters long');
    expect(message).not.toContain('sekrit');
    expect(message).not.toContain('first-key-0123456789');
  });
});
