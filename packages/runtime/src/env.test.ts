import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BoolEnv, isConfigError, parseEnv, workerEnvShape } from './env.ts';

describe('parseEnv', () => {
  it('names every bad variable and the value it got', () => {
    const schema = z.object({ ...workerEnvShape, FLAG: BoolEnv.default(false) });
    let caught: unknown;
    try {
      parseEnv(schema, { DATABASE_URL: 'nope', REDIS_URL: 'redis://127.0.0.1:1', FLAG: 'maybe', HERALD_BATCH_SIZE: '-3' });
    } catch (err) {
      caught = err;
    }
    expect(isConfigError(caught)).toBe(true);
    const message = (caught as Error).message;
    expect(message).toContain('DATABASE_URL: must be a postgresql:// URL (got "nope")');
    expect(message).toMatch(/FLAG: .*\(got "maybe"\)/);
    expect(message).toMatch(/HERALD_BATCH_SIZE: .*\(got "-3"\)/);
  });

  it('never repeats a secret or the credentials inside a URL', () => {
    const schema = z.object({
      REDIS_URL: z.string().url().refine((v) => v.startsWith('redis:'), 'must be a redis:// URL'),
      HERALD_API_KEY: z.string().min(16),
    });
    let message = '';
    try {
      parseEnv(schema, { REDIS_URL: 'http://user:hunter2@cache:6379', HERALD_API_KEY: 'short-secret' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('REDIS_URL: must be a redis:// URL (got "http://***:***@cache:6379/")');
    expect(message).toMatch(/HERALD_API_KEY: [^(]*$/m);
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('short-secret');
  });

  it('applies defaults, coerces numbers, treats empty strings as unset and freezes the result', () => {
    const schema = z.object({ ...workerEnvShape, FLAG: BoolEnv.default(false) });
    const env = parseEnv(schema, {
      DATABASE_URL: 'postgresql://u@127.0.0.1/db',
      REDIS_URL: 'redis://127.0.0.1:6390',
      HERALD_BATCH_SIZE: '50',
      FLAG: 'Yes',
      HERALD_REPLICA: '',
    });
    expect(env.HERALD_BATCH_SIZE).toBe(50);
    expect(env.FLAG).toBe(true);
    expect(env.HERALD_REPLICA).toBeUndefined();
    expect(env.HERALD_REDIS_NAMESPACE).toBe('herald');
    expect(Object.isFrozen(env)).toBe(true);
  });
});
