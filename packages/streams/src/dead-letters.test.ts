import { describe, expect } from 'vitest';
import { deadLetters } from './dead-letters.ts';
import { publish } from './producer.ts';
import { consumerHarness, stageKeys, test } from './testing/harness.ts';

describe('deadLetters', () => {
  test('lists dead-lettered entries and requeues them to the source stream once', async ({
    redis: { redis, namespace },
    defer,
  }) => {
    const keys = stageKeys(namespace);
    const poisoner = consumerHarness(redis, namespace, { consumer: 'c1' });
    defer(() => poisoner.consumer.stop());
    await poisoner.consumer.start(async (batch) =>
      batch.map(() => ({ kind: 'dead-letter', reason: 'asset inventory rejected it' })),
    );
    const [sourceEntry] = await publish(redis, keys.stream, [
      { alertId: 'poison', attempt: 2, traceparent: '00-abc-def-01' },
    ]);
    const [event] = await poisoner.deadLettered.when(() => true);
    await poisoner.consumer.stop();

    const dlq = deadLetters(redis, keys);
    expect(await dlq.length()).toBe(1);
    expect(await dlq.list()).toEqual([
      {
        entryId: event!.deadLetterId,
        message: { alertId: 'poison', attempt: 2, traceparent: '00-abc-def-01' },
        reason: 'asset inventory rejected it',
        sourceEntry,
        deliveries: 1,
      },
    ]);
    expect(await dlq.list({ after: event!.deadLetterId })).toEqual([]);

    const moved = await dlq.requeue([event!.deadLetterId, '1-1']);
    expect(moved).toEqual([{ entryId: event!.deadLetterId, requeuedAs: expect.any(String) }]);
    expect(await dlq.requeue([event!.deadLetterId])).toEqual([]);
    expect(await dlq.length()).toBe(0);

    const worker = consumerHarness(redis, namespace, { consumer: 'c2' });
    defer(() => worker.consumer.stop());
    await worker.consumer.start(worker.ack);
    const [requeued] = await worker.handled.when(() => true);
    expect(requeued).toEqual({
      entryId: moved[0]!.requeuedAs,
      message: { alertId: 'poison', attempt: 2, traceparent: '00-abc-def-01' },
      deliveries: 1,
    });
  });

  test('refuses keys in different hash slots', ({}) => {
    expect(() =>
      deadLetters({} as never, { stream: '{a}:enrich', deadLetterStream: '{b}:enrich:dead' }),
    ).toThrow(/got \{b\}:enrich:dead/);
  });
});
