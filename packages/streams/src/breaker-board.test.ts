import { describe, expect } from 'vitest';
import { test } from '@herald/testkit';
import {
  pauseDestination,
  publishBreakerStates,
  readBreakerStates,
  readPauses,
  resumeDestination,
  withdrawBreakerStates,
  type PublishedBreaker,
} from './breaker-board.ts';

const smtp: PublishedBreaker = {
  destination: 'smtp:relay',
  state: 'open',
  since: 1_000,
  failureRate: 0.75,
  calls: 20,
  paused: false,
};

describe('breaker board', () => {
  test('lists the breakers of every live replica, leaving out one whose TTL passed', async ({
    redis: { redis, namespace },
  }) => {
    const now = 1_000_000;
    await publishBreakerStates(redis, namespace, { replica: 's1', service: 'sender' }, [smtp], {
      ttlMs: 60_000,
      now,
    });
    await publishBreakerStates(
      redis,
      namespace,
      { replica: 's2', service: 'sender' },
      [{ ...smtp, state: 'closed', failureRate: 0 }],
      { ttlMs: 60_000, now },
    );
    await publishBreakerStates(redis, namespace, { replica: 'dead', service: 'sender' }, [smtp], {
      ttlMs: 10,
      now: now - 1_000,
    });

    const listed = await readBreakerStates(redis, namespace, now);

    expect(listed).toEqual([
      { ...smtp, replica: 's1', service: 'sender', publishedAt: now },
      {
        ...smtp,
        state: 'closed',
        failureRate: 0,
        replica: 's2',
        service: 'sender',
        publishedAt: now,
      },
    ]);
    // A heartbeat replaces the replica's states whole; a withdrawal removes them at once.
    await publishBreakerStates(redis, namespace, { replica: 's1', service: 'sender' }, [], {
      ttlMs: 60_000,
      now,
    });
    await withdrawBreakerStates(redis, namespace, 's2');
    expect(await readBreakerStates(redis, namespace, now)).toEqual([]);
  });

  test("a replica's hash expires in Redis with its TTL", async ({
    redis: { redis, namespace },
  }) => {
    await publishBreakerStates(redis, namespace, { replica: 's1', service: 'sender' }, [smtp], {
      ttlMs: 5_000,
      now: Date.now(),
    });
    const ttl = await redis.pttl(`{${namespace}}:breakers:s1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });

  test('a pause is stored once (the first keeps its time), announced, and resumed', async ({
    redis: { redis, namespace },
  }) => {
    const subscriber = redis.duplicate();
    const heard: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => heard.push(message));
    await subscriber.subscribe(`{${namespace}}:paused:changes`);
    try {
      expect(
        await pauseDestination(redis, namespace, 'smtp:relay', { by: 'api-1', now: 5 }),
      ).toEqual({
        destination: 'smtp:relay',
        since: 5,
        by: 'api-1',
      });
      expect(
        await pauseDestination(redis, namespace, 'smtp:relay', { by: 'api-2', now: 9 }),
      ).toEqual({
        destination: 'smtp:relay',
        since: 5,
        by: 'api-1',
      });
      expect([...(await readPauses(redis, namespace)).keys()]).toEqual(['smtp:relay']);

      expect(await resumeDestination(redis, namespace, 'smtp:relay')).toBe(true);
      expect(await resumeDestination(redis, namespace, 'smtp:relay')).toBe(false);
      expect((await readPauses(redis, namespace)).size).toBe(0);
      await expect.poll(() => heard.length).toBe(4);
    } finally {
      subscriber.disconnect();
    }
  });
});
