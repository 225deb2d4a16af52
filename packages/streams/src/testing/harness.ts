import { test as heraldTest, waitFor } from '@herald/testkit';
import type { Redis } from 'ioredis';
import { StreamConsumer } from '../consumer.ts';
import { deadLetterKey, groupName, streamKey } from '../keys.ts';
import type { ConsumerOperation, ReadSource, StreamConsumerOptions } from '../options.ts';
import type { BatchHandler, ConsumedEntry } from '../settle.ts';
import { EventLog } from './event-log.ts';

/**
 * The testkit `test` plus `defer(cleanup)`: cleanups run after the test, newest first,
 * and before the Redis fixture is torn down (vitest runs `onTestFinished` only after
 * fixture teardown, when the test's keys and connection are already gone).
 */
export const test = heraldTest.extend<{ defer: (cleanup: () => unknown) => void }>({
  // Naming `redis` makes this fixture depend on it, so it is torn down before Redis.
  defer: async ({ redis: _redis }, use) => {
    const cleanups: (() => unknown)[] = [];
    await use((cleanup) => {
      cleanups.push(cleanup);
    });
    for (const cleanup of cleanups.reverse()) await cleanup();
  },
});

/** The keys of the `enrich` stage in a test's namespace. */
export function stageKeys(namespace: string): {
  stream: string;
  deadLetterStream: string;
  group: string;
} {
  return {
    stream: streamKey(namespace, 'enrich'),
    deadLetterStream: deadLetterKey(namespace, 'enrich'),
    group: groupName('enrich'),
  };
}

/**
 * A consumer with test-sized timings whose every hook feeds an {@link EventLog}, plus an
 * acknowledging handler that records what it saw. Test-only helper.
 */
export function consumerHarness(
  redis: Redis,
  namespace: string,
  options: Partial<StreamConsumerOptions> & { consumer: string },
) {
  const log = {
    errors: new EventLog<{ err: unknown; operation: ConsumerOperation }>(),
    reads: new EventLog<{ count: number; source: ReadSource }>(),
    reclaimed: new EventLog<{ count: number; deleted: readonly string[] }>(),
    groupsCreated: new EventLog<{ recreated: boolean }>(),
    lost: new EventLog<{ entryId: string; reason: string }>(),
    deadLettered: new EventLog<{ entryId: string; reason: string; deadLetterId: string }>(),
    handled: new EventLog<ConsumedEntry>(),
    batches: [] as ConsumedEntry[][],
  };
  const consumer = new StreamConsumer({
    redis,
    ...stageKeys(namespace),
    batchSize: 10,
    blockMs: 50,
    reclaimIdleMs: 5_000,
    reclaimIntervalMs: 5_000,
    watchdogGraceMs: 1_000,
    trimIntervalMs: 0,
    backoffMinMs: 10,
    backoffMaxMs: 100,
    onError: (err, { operation }) => log.errors.push({ err, operation }),
    onRead: log.reads.push,
    onReclaimed: log.reclaimed.push,
    onGroupCreated: log.groupsCreated.push,
    onLostEntry: log.lost.push,
    onDeadLettered: log.deadLettered.push,
    ...options,
  });
  const ack: BatchHandler = async (batch) => {
    log.batches.push(batch);
    for (const entry of batch) log.handled.push(entry);
    return batch.map(() => ({ kind: 'ack' }));
  };
  return { consumer, ack, ...log };
}

/** One connection of CLIENT LIST, by its name. */
export async function clientByName(
  redis: Redis,
  name: string,
): Promise<{ id: string; port: number; flags: string; cmd: string } | undefined> {
  const list = String(await redis.client('LIST'));
  for (const line of list.split('\n')) {
    const fields = new Map(
      line
        .trim()
        .split(' ')
        .map((pair) => {
          const at = pair.indexOf('=');
          return [pair.slice(0, at), pair.slice(at + 1)] as const;
        }),
    );
    if (fields.get('name') !== name) continue;
    return {
      id: fields.get('id') ?? '',
      port: Number((fields.get('addr') ?? '').split(':').at(-1)),
      flags: fields.get('flags') ?? '',
      cmd: fields.get('cmd') ?? '',
    };
  }
  return undefined;
}

/** Waits until the consumer's read connection sits in a blocking XREADGROUP. */
export function blockedReader(
  redis: Redis,
  consumer: string,
): Promise<{ id: string; port: number }> {
  return waitFor(
    `read connection of ${consumer} to block`,
    async () => {
      const client = await clientByName(redis, `${consumer}:read`);
      return client?.flags.includes('b') && client.cmd === 'xreadgroup' ? client : undefined;
    },
    { intervalMs: 10 },
  );
}
