import { waitFor } from '@herald/testkit';
import type { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { isHandlerFailedError } from './errors.ts';
import { publish } from './producer.ts';
import type { BatchHandler, EntryOutcome } from './settle.ts';
import { EventLog } from './testing/event-log.ts';
import {
  blockedReader,
  clientByName,
  consumerHarness,
  stageKeys,
  test,
} from './testing/harness.ts';

const message = (alertId: string) => ({ alertId, attempt: 1 });

async function pendingCount(redis: Redis, stream: string, group: string): Promise<number> {
  const [count] = (await redis.xpending(stream, group)) as [number];
  return Number(count);
}

describe('StreamConsumer', () => {
  test('reads new entries, hands them to the handler and acknowledges them', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream, group } = stageKeys(namespace);
    const h = consumerHarness(redis, namespace, { consumer: 'c1' });
    defer(() => h.consumer.stop());
    const startedAt = Date.now();

    await h.consumer.start(h.ack);
    expect(h.groupsCreated.events).toEqual([{ recreated: false }]);
    const ids = await publish(redis, stream, [message('a1'), message('a2'), message('a3')]);

    const handled = await h.handled.when(() => true, 3);
    expect(handled.map((entry) => entry.entryId)).toEqual(ids);
    expect(handled.map((entry) => entry.message.alertId)).toEqual(['a1', 'a2', 'a3']);
    expect(handled.map((entry) => entry.deliveries)).toEqual([1, 1, 1]);
    await waitFor('acks', async () => (await pendingCount(redis, stream, group)) === 0);
    expect(h.reads.events.every((read) => read.source === 'new')).toBe(true);
    expect(h.reads.events.reduce((sum, read) => sum + read.count, 0)).toBe(3);
    expect(h.consumer.lastReadAt).toBeGreaterThanOrEqual(startedAt);
    expect(h.errors.events).toEqual([]);
  });

  test('a read of less than half a batch waits readLingerMs once, and hands over what came meanwhile with it', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream } = stageKeys(namespace);
    const h = consumerHarness(redis, namespace, { consumer: 'c1', readLingerMs: 2_000 });
    defer(() => h.consumer.stop());
    await h.consumer.start(h.ack);

    // The first write wakes the blocked read with one entry; the second lands while it lingers.
    await publish(redis, stream, [message('a1')]);
    await publish(redis, stream, [message('a2'), message('a3')]);

    await h.handled.when(() => true, 3);
    expect(h.batches.map((batch) => batch.map((entry) => entry.message.alertId))).toEqual([
      ['a1', 'a2', 'a3'],
    ]);
  });

  test('a stop during the linger hands over what was read, at once', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream } = stageKeys(namespace);
    const h = consumerHarness(redis, namespace, { consumer: 'c1', readLingerMs: 60_000 });
    defer(() => h.consumer.stop());
    await h.consumer.start(h.ack);
    await publish(redis, stream, [message('a1')]);
    await waitFor('the read to linger', async () => {
      const pending = (await redis.xpending(stream, stageKeys(namespace).group)) as [number];
      return Number(pending[0]) === 1;
    });

    await h.consumer.stop();
    expect(h.batches.map((batch) => batch.length)).toEqual([1]);
  });

  test('entries of a consumer stuck mid-batch are reclaimed by another after reclaimIdleMs', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream, group } = stageKeys(namespace);
    // The first consumer takes the batch and never finishes it, like a process that died.
    const stuck = Promise.withResolvers<EntryOutcome[]>();
    const seenByStuck = new EventLog<string>();
    const dead = consumerHarness(redis, namespace, { consumer: 'stuck' });
    defer(async () => {
      stuck.resolve([{ kind: 'retry' }, { kind: 'retry' }]);
      await dead.consumer.stop();
    });
    await dead.consumer.start(async (batch) => {
      for (const entry of batch) seenByStuck.push(entry.entryId);
      return stuck.promise;
    });
    const ids = await publish(redis, stream, [message('a1'), message('a2')]);
    await seenByStuck.when(() => true, 2);

    const live = consumerHarness(redis, namespace, {
      consumer: 'live',
      reclaimIdleMs: 100,
      reclaimIntervalMs: 20,
    });
    defer(() => live.consumer.stop());
    await live.consumer.start(live.ack);

    const handled = await live.handled.when(() => true, 2);
    expect(handled.map((entry) => entry.entryId)).toEqual(ids);
    // Delivered once to the stuck consumer, once more by the claim.
    expect(handled.map((entry) => entry.deliveries)).toEqual([2, 2]);
    expect(live.reads.events).toEqual([{ count: 2, source: 'reclaimed' }]);
    // Reported once the claim run is over, after its batches were handled.
    expect(await live.reclaimed.when(() => true)).toEqual([{ count: 2, deleted: [] }]);
    await waitFor('acks', async () => (await pendingCount(redis, stream, group)) === 0);
  });

  test('a consumer restarting under the same name drains its own backlog before new entries', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream, group } = stageKeys(namespace);
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    const backlog = await publish(redis, stream, [message('old1'), message('old2')]);
    // c1 read these and died before acknowledging them.
    await redis.xreadgroup('GROUP', group, 'c1', 'COUNT', 10, 'STREAMS', stream, '>');
    const fresh = await publish(redis, stream, [message('new1')]);

    const h = consumerHarness(redis, namespace, { consumer: 'c1' });
    defer(() => h.consumer.stop());
    await h.consumer.start(h.ack);
    await h.handled.when(() => true, 3);

    expect(h.batches.map((batch) => batch.map((entry) => entry.entryId))).toEqual([backlog, fresh]);
    expect(h.batches[0]!.map((entry) => entry.deliveries)).toEqual([2, 2]);
    expect(h.reads.events).toEqual([
      { count: 2, source: 'backlog' },
      { count: 1, source: 'new' },
    ]);
    await waitFor('acks', async () => (await pendingCount(redis, stream, group)) === 0);
  });

  test('an entry that always fails is dead-lettered after the allowed deliveries', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream, group, deadLetterStream } = stageKeys(namespace);
    const maxDeliveries = 3;
    const deliveries: number[] = [];
    const handler: BatchHandler = async (batch) => {
      deliveries.push(...batch.map((entry) => entry.deliveries));
      if (batch.some((entry) => entry.deliveries <= maxDeliveries))
        throw new Error('enrichment failed');
      return batch.map(() => ({ kind: 'dead-letter', reason: 'enrichment failed 3 times' }));
    };
    const h = consumerHarness(redis, namespace, {
      consumer: 'c1',
      reclaimIdleMs: 30,
      reclaimIntervalMs: 10,
    });
    defer(() => h.consumer.stop());
    await h.consumer.start(handler);
    const [entryId] = await publish(redis, stream, [message('poison')]);

    const [deadLettered] = await h.deadLettered.when(() => true);
    expect(deadLettered).toMatchObject({ entryId, reason: 'enrichment failed 3 times' });
    expect(deliveries).toEqual([1, 2, 3, 4]);
    // Each throwing run was reported and left the entry pending for the next claim.
    const failures = h.errors.events.filter((event) => event.operation === 'handle');
    expect(failures).toHaveLength(3);
    expect(failures.every((event) => isHandlerFailedError(event.err))).toBe(true);
    expect(await pendingCount(redis, stream, group)).toBe(0);

    const dead = await redis.xrange(deadLetterStream, '-', '+');
    expect(dead).toEqual([
      [
        deadLettered!.deadLetterId,
        [
          'alert',
          'poison',
          'attempt',
          '1',
          'reason',
          'enrichment failed 3 times',
          'source_entry',
          entryId,
          'deliveries',
          '4',
        ],
      ],
    ]);
  });

  test('a handler that breaks its contract leaves the batch pending and reports it', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream, group } = stageKeys(namespace);
    const h = consumerHarness(redis, namespace, { consumer: 'c1' });
    defer(() => h.consumer.stop());
    await h.consumer.start(async () => []);
    await publish(redis, stream, [message('a1')]);

    const [failure] = await h.errors.when((event) => event.operation === 'handle');
    expect(isHandlerFailedError(failure!.err)).toBe(true);
    expect((failure!.err as Error).message).toContain('got 0');
    expect(await pendingCount(redis, stream, group)).toBe(1);
  });

  test('entries whose data is gone or garbled are acknowledged and reported, never handled', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream, group } = stageKeys(namespace);
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    // c1's own backlog: one entry deleted while pending (R-17), one intact.
    const [trimmed, intact] = await publish(redis, stream, [message('gone'), message('kept')]);
    await redis.xreadgroup('GROUP', group, 'c1', 'COUNT', 10, 'STREAMS', stream, '>');
    // A dead consumer's pending entry, deleted before anyone reclaims it.
    const [orphan] = await publish(redis, stream, [message('orphan')]);
    await redis.xreadgroup('GROUP', group, 'dead', 'COUNT', 10, 'STREAMS', stream, '>');
    await redis.xdel(stream, trimmed!, orphan!);
    // Something that is not a Herald message at all.
    const garbled = await redis.xadd(stream, '*', 'unexpected', 'field');

    const h = consumerHarness(redis, namespace, {
      consumer: 'c1',
      reclaimIdleMs: 30,
      reclaimIntervalMs: 10,
    });
    defer(() => h.consumer.stop());
    await h.consumer.start(h.ack);

    const lost = await h.lost.when(() => true, 3);
    expect(lost).toEqual(
      expect.arrayContaining([
        { entryId: trimmed, reason: 'deleted' },
        { entryId: orphan, reason: 'deleted' },
        { entryId: garbled, reason: 'undecodable' },
      ]),
    );
    const [reclaim] = await h.reclaimed.when((event) => event.deleted.length > 0);
    expect(reclaim).toEqual({ count: 0, deleted: [orphan] });
    expect(h.handled.events.map((entry) => entry.entryId)).toEqual([intact]);
    await waitFor('acks', async () => (await pendingCount(redis, stream, group)) === 0);
    expect(h.errors.events).toEqual([]);
  });

  test('stop() interrupts a blocking read at once and is idempotent', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream, group } = stageKeys(namespace);
    const h = consumerHarness(redis, namespace, { consumer: 'c1', blockMs: 5_000 });
    defer(() => h.consumer.stop());
    await h.consumer.start(h.ack);
    await blockedReader(redis, 'c1');

    const startedAt = performance.now();
    const stopping = h.consumer.stop();
    expect(h.consumer.stop()).toBe(stopping);
    await stopping;
    expect(performance.now() - startedAt).toBeLessThan(500);
    await waitFor('read connection closed', async () => !(await clientByName(redis, 'c1:read')));

    // What is published now stays undelivered: the stopped consumer took nothing.
    const [entryId] = await publish(redis, stream, [message('after-stop')]);
    const reply = await redis.xreadgroup('GROUP', group, 'probe', 'STREAMS', stream, '>');
    expect(JSON.stringify(reply)).toContain(entryId);
    await expect(h.consumer.start(h.ack)).rejects.toThrow(/stopped/);
  });

  test('stop() waits for the batch in the handler and settles it before resolving', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const { stream, group } = stageKeys(namespace);
    const release = Promise.withResolvers<void>();
    const inHandler = Promise.withResolvers<void>();
    const h = consumerHarness(redis, namespace, { consumer: 'c1' });
    defer(() => {
      release.resolve();
      return h.consumer.stop();
    });
    await h.consumer.start(async (batch) => {
      inHandler.resolve();
      await release.promise;
      return batch.map(() => ({ kind: 'ack' }));
    });
    await publish(redis, stream, [message('a1')]);
    await inHandler.promise;

    let stopped = false;
    const stopping = h.consumer.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);

    release.resolve();
    await stopping;
    expect(await pendingCount(redis, stream, group)).toBe(0);
  });
});
