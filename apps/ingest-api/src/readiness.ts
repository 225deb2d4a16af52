import type { Redis } from 'ioredis';
import type { Database } from '@herald/db';
import type { Logger } from '@herald/runtime';

/** What readiness checks and how long each check may take. */
export interface ReadinessOptions {
  db: Pick<Database, 'pool'>;
  redis: Redis;
  logger: Logger;
  /** A check that has not answered by then counts as down. */
  timeoutMs: number;
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ready means both stores answer: PostgreSQL, since nothing is acknowledged before it
 * commits; and Redis, since alerts accepted while it is down wait for the sweeper. The
 * answer names each store as `ok` or `down`; the reason goes to the log only, because
 * readiness is served without authentication.
 */
export function createReadinessCheck(
  options: ReadinessOptions,
): () => Promise<{ ready: boolean; checks: Record<string, string> }> {
  const probe = async (store: string, work: () => Promise<unknown>): Promise<string> => {
    try {
      await withTimeout(work(), options.timeoutMs);
      return 'ok';
    } catch (err) {
      options.logger.warn({ err, store }, 'readiness check failed');
      return 'down';
    }
  };

  return async () => {
    const [postgres, redis] = await Promise.all([
      probe('postgres', () => options.db.pool.query('SELECT 1')),
      probe('redis', () => options.redis.ping()),
    ]);
    return { ready: postgres === 'ok' && redis === 'ok', checks: { postgres, redis } };
  };
}
