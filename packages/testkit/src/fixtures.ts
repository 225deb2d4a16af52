import { test as base } from 'vitest';
import type { Redis } from 'ioredis';
import { createTestDatabase } from './postgres.ts';
import { createTestRedis } from './redis.ts';

export interface HeraldFixtures {
  /** The URL of a fresh, migrated database for this test, dropped afterwards. */
  databaseUrl: string;
  /** A Redis connection and a key namespace private to this test. */
  redis: { redis: Redis; namespace: string; url: string };
}

/** vitest `test` with real PostgreSQL and Redis fixtures. */
export const test = base.extend<HeraldFixtures>({
  databaseUrl: async ({}, use) => {
    const created = await createTestDatabase();
    await use(created.url);
    await created.drop();
  },
  redis: async ({}, use) => {
    const created = await createTestRedis();
    await use(created);
    await created.close();
  },
});
