import { Redis, type RedisOptions } from 'ioredis';

/**
 * Opens a Redis connection and waits up to `waitMs` for it to be ready, retrying meanwhile
 * (ioredis reconnects on its own). A service that starts while Redis restarts comes up once
 * Redis does; a REDIS_URL that never answers fails the start with the socket's reason.
 */
export async function connectRedis(
  url: string,
  { waitMs, onError, ...options }: RedisOptions & { waitMs: number; onError?: (err: Error) => void },
): Promise<Redis> {
  const redis = new Redis(url, options);
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => {
    lastError = err;
    onError?.(err);
  });
  // Not events.once: it rejects on the first 'error', and a refused connection is what
  // this waits through.
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    const settle = (value: boolean) => {
      clearTimeout(timer);
      resolve(value);
    };
    redis.once('ready', () => settle(true));
    // 'end': ioredis gave up reconnecting (its retryStrategy said so).
    redis.once('end', () => settle(false));
  });
  if (!ready) {
    redis.disconnect();
    throw new Error(`could not connect to Redis at REDIS_URL within ${waitMs} ms`, { cause: lastError });
  }
  return redis;
}
