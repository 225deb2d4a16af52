import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { testServers } from './env.ts';

/**
 * A Redis connection and a namespace no other test uses: tests share one server and keep
 * apart by key prefix (Herald's keys are all `{namespace}:...`).
 */
export async function createTestRedis(): Promise<{
  url: string;
  namespace: string;
  redis: Redis;
  close(): Promise<void>;
}> {
  const { redisUrl } = testServers();
  const namespace = `t${randomBytes(5).toString('hex')}`;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  await redis.connect();
  return {
    url: redisUrl,
    namespace,
    redis,
    async close() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `{${namespace}}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.unlink(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}
