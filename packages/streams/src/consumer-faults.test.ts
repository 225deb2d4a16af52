import { waitFor } from '@herald/testkit';
import { Redis, type RedisOptions } from 'ioredis';
import { describe, expect } from 'vitest';
import { isGroupMissingError, isReadStalledError } from './errors.ts';
import { publish } from './producer.ts';
import {
  blockedReader,
  clientByName,
  consumerHarness,
  stageKeys,
  test,
} from './testing/harness.ts';
import { startSilentProxy } from './testing/silent-proxy.ts';

const message = (alertId: string) => ({ alertId, attempt: 1 });
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(url: string, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, ...options });
  await client.connect();
  return client;
}

describe('StreamConsumer under Redis faults', () => {
  // The test server is shared with every other test file, so a real FLUSHALL would wipe
  // their keys too. Deleting this test's keys does to this consumer exactly what a
  // FLUSHALL (or a restart without persistence, or an eviction) does: key and group gone.
  test('recreates its group when the stream vanishes mid-read, without a hot loop', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream, deadLetterStream } = stageKeys(namespace);
    const h = consumerHarness(redis, namespace, {
      consumer: 'c1',
      blockMs: 1_000,
      backoffMinMs: 20,
      backoffMaxMs: 200,
    });
    defer(() => h.consumer.stop());
    await h.consumer.start(h.ack);
    await publish(redis, stream, [message('before')]);
    await h.handled.when(() => true);
    await blockedReader(redis, 'c1');

    await redis.unlink(stream, deadLetterStream);
    await h.groupsCreated.when((event) => event.recreated);
    const [after] = await publish(redis, stream, [message('after')]);
    await h.handled.when((entry) => entry.entryId === after);

    // A measuring window, not a wait for an outcome: count failed reads over 500 ms.
    await delay(500);
    const failedReads = h.errors.events.filter((event) => event.operation === 'read');
    expect(failedReads.length).toBeGreaterThanOrEqual(1);
    expect(failedReads.length).toBeLessThanOrEqual(3);
    expect(isGroupMissingError(failedReads[0]!.err)).toBe(true);
  });

  test('backs off while the group cannot be recreated and recovers once it can', async ({
    redis: { redis, namespace, url },
    defer,
  }) => {
    const { stream } = stageKeys(namespace);
    // A user allowed everything on this test's keys, later denied XGROUP: every read then
    // fails at once with NOGROUP and every recreate with NOPERM, the loop R-35 warns of.
    const user = `streams-${namespace}`;
    await redis.call('ACL', 'SETUSER', user, 'on', '>secret', `~{${namespace}}*`, '+@all');
    defer(async () => {
      await redis.call('ACL', 'DELUSER', user);
    });
    const limited = await connect(url, { username: user, password: 'secret' });
    defer(() => limited.disconnect());
    const h = consumerHarness(limited, namespace, {
      consumer: 'c1',
      backoffMinMs: 20,
      backoffMaxMs: 200,
    });
    defer(() => h.consumer.stop());
    await h.consumer.start(h.ack);

    await redis.call('ACL', 'SETUSER', user, '-xgroup');
    await redis.unlink(stream);
    await h.errors.when((event) => event.operation === 'group');
    await delay(500);
    const failedReads = h.errors.events.filter((event) => event.operation === 'read').length;
    // Backoff from 20 ms doubling to 200 ms allows about 6 attempts in 500 ms; a loop
    // without it would make thousands.
    expect(failedReads).toBeGreaterThanOrEqual(2);
    expect(failedReads).toBeLessThanOrEqual(12);

    await redis.call('ACL', 'SETUSER', user, '+xgroup');
    await h.groupsCreated.when((event) => event.recreated);
    const [entryId] = await publish(redis, stream, [message('after')]);
    await h.handled.when((entry) => entry.entryId === entryId);
  });

  test('acks and adds on the command connection are not held up by a blocking read', async ({
    redis: { redis, namespace, url },
    defer,
  }) => {
    const { stream, group, deadLetterStream } = stageKeys(namespace);
    // commandTimeout on the caller's client must not reach the blocking read.
    const commands = await connect(url, { commandTimeout: 300 });
    defer(() => commands.disconnect());
    const h = consumerHarness(commands, namespace, { consumer: 'c1', blockMs: 2_000 });
    defer(() => h.consumer.stop());
    await h.consumer.start(h.ack);
    await blockedReader(redis, 'c1');
    const readSince = h.consumer.lastReadAt!;

    const startedAt = performance.now();
    await commands.xack(stream, group, '0-1');
    await commands.xadd(deadLetterStream, '*', 'probe', '1');
    expect(performance.now() - startedAt).toBeLessThan(250);

    // The idle read runs its full 2 s BLOCK and comes back empty, without a timeout.
    await waitFor('the idle read to return', () => h.consumer.lastReadAt! > readSince, {
      timeoutMs: 5_000,
    });
    expect(h.errors.events).toEqual([]);
  });

  test('resumes after its blocking connection is killed, without a restart', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream } = stageKeys(namespace);
    const h = consumerHarness(redis, namespace, { consumer: 'c1', blockMs: 1_000 });
    defer(() => h.consumer.stop());
    await h.consumer.start(h.ack);
    const before = await blockedReader(redis, 'c1');

    await redis.call('CLIENT', 'KILL', 'ID', before.id);
    const [entryId] = await publish(redis, stream, [message('after-kill')]);

    await h.handled.when((entry) => entry.entryId === entryId);
    const after = await clientByName(redis, 'c1:read');
    expect(after?.id).not.toBe(before.id);
  });

  test('the watchdog abandons a read whose connection went silent and reconnects', async ({
    redis: { redis, namespace, url },
    defer,
  }) => {
    const { stream } = stageKeys(namespace);
    const proxy = await startSilentProxy(url);
    defer(() => proxy.close());
    const viaProxy = await connect(proxy.url);
    defer(() => viaProxy.disconnect());
    const h = consumerHarness(viaProxy, namespace, {
      consumer: 'c1',
      blockMs: 100,
      watchdogGraceMs: 200,
    });
    defer(() => h.consumer.stop());
    await h.consumer.start(h.ack);

    const reader = await blockedReader(redis, 'c1');
    expect(proxy.silence(reader.port)).toBe(true);
    const [stall] = await h.errors.when((event) => isReadStalledError(event.err));
    expect(stall!.operation).toBe('read');

    const [entryId] = await publish(redis, stream, [message('after-stall')]);
    await h.handled.when((entry) => entry.entryId === entryId);
    expect((await clientByName(redis, 'c1:read'))?.port).not.toBe(reader.port);
  });
});
