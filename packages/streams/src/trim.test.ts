import { waitFor } from '@herald/testkit';
import type { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { publish } from './producer.ts';
import { consumerHarness, stageKeys, test } from './testing/harness.ts';
import { trimStream } from './trim.ts';

const messages = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => ({ alertId: `${prefix}${index}`, attempt: 1 }));

async function read(redis: Redis, stream: string, group: string, consumer: string, count: number) {
  const reply = (await redis.xreadgroup(
    'GROUP',
    group,
    consumer,
    'COUNT',
    count,
    'STREAMS',
    stream,
    '>',
  )) as [string, [string, string[]][]][];
  return reply[0]![1].map(([id]) => id);
}

async function streamIds(redis: Redis, stream: string): Promise<string[]> {
  return (await redis.xrange(stream, '-', '+')).map(([id]) => id);
}

describe('trimStream', () => {
  test('never removes an entry pending in any group, nor one a group has not read', async ({
    redis: { redis, namespace },
  }) => {
    const { stream, group } = stageKeys(namespace);
    const other = 'audit-workers';
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    await redis.xgroup('CREATE', stream, other, '0');
    const ids = await publish(redis, stream, messages(10, 'a'));

    // group: 0-1 acked, 2-4 held by a stalled consumer, 5-6 acked, 7-9 undelivered.
    await redis.xack(stream, group, ...(await read(redis, stream, group, 'fast', 2)));
    const stalled = await read(redis, stream, group, 'stalled', 3);
    await redis.xack(stream, group, ...(await read(redis, stream, group, 'fast', 2)));
    // other: read and acked up to 8, nothing pending.
    await redis.xack(stream, other, ...(await read(redis, stream, other, 'x', 9)));

    expect(await trimStream(redis, stream, { exact: true })).toEqual({ minId: ids[2], trimmed: 2 });
    expect(await streamIds(redis, stream)).toEqual(ids.slice(2));
    const pending = (await redis.xpending(stream, group, '-', '+', 10)) as [string][];
    expect(pending.map(([id]) => id)).toEqual(stalled);

    // Once the stalled entries are acked, the floor is what `group` has read (6): its
    // undelivered entries 7-9 stay.
    await redis.xack(stream, group, ...stalled);
    expect(await trimStream(redis, stream, { exact: true })).toEqual({ minId: ids[6], trimmed: 4 });
    expect(await streamIds(redis, stream)).toEqual(ids.slice(6));
  });

  test('does nothing to a stream without groups, or without a key', async ({
    redis: { redis, namespace },
  }) => {
    const { stream } = stageKeys(namespace);
    expect(await trimStream(redis, stream)).toEqual({ minId: undefined, trimmed: 0 });
    await publish(redis, stream, messages(3, 'a'));
    expect(await trimStream(redis, stream, { exact: true })).toEqual({
      minId: undefined,
      trimmed: 0,
    });
    expect(await redis.xlen(stream)).toBe(3);
  });

  test('the consumer trims acknowledged entries periodically and keeps a stalled consumer’s', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream, group } = stageKeys(namespace);
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    // Approximate trimming only drops whole stream nodes (100 entries by default), so
    // there must be more than a node's worth of acknowledged entries in front.
    const first = await publish(redis, stream, messages(150, 'a'));
    await redis.xack(stream, group, ...(await read(redis, stream, group, 'early', 150)));
    await publish(redis, stream, messages(2, 'stalled'));
    const stalled = await read(redis, stream, group, 'stalled', 2);
    await publish(redis, stream, messages(150, 'b'));

    const h = consumerHarness(redis, namespace, {
      consumer: 'c1',
      batchSize: 50,
      trimIntervalMs: 20,
    });
    defer(() => h.consumer.stop());
    await h.consumer.start(h.ack);
    await h.handled.when(() => true, 150);

    await waitFor('a trim', async () => (await redis.xlen(stream)) < 302);
    const left = await streamIds(redis, stream);
    expect(left).not.toContain(first[0]);
    for (const id of stalled) {
      const [entry] = await redis.xrange(stream, id, id);
      expect(entry?.[1]).toContain(`stalled${stalled.indexOf(id)}`);
    }
    expect(h.errors.events).toEqual([]);
  });
});
