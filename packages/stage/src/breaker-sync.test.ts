import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { isBrokenCircuitError } from '@herald/breaker';
import { createMetricsRegistry, createSilentLogger } from '@herald/runtime';
import { pauseDestination, readBreakerStates, resumeDestination } from '@herald/streams';
import { test, waitFor } from '@herald/testkit';
import { BreakerSync } from './breaker-sync.ts';
import { createBreakerRegistry } from './breakers.ts';

/** One replica's breakers and their sync, on the test's Redis. */
function replica(redis: Redis, namespace: string, name: string, heartbeatMs = 60_000) {
  const logger = createSilentLogger();
  const sync = new BreakerSync({
    redis,
    namespace,
    replica: name,
    service: 'sender',
    heartbeatMs,
    logger,
  });
  const breakers = createBreakerRegistry(
    logger,
    createMetricsRegistry('sender'),
    { minimumCalls: 2 },
    sync,
  );
  return { sync, breakers };
}

async function refusal(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('BreakerSync', () => {
  test('publishes every replica breaker at once, and a state change without waiting for the heartbeat', async ({
    redis: { redis, namespace },
  }) => {
    const a = replica(redis, namespace, 'a');
    const b = replica(redis, namespace, 'b');
    a.breakers.get('smtp:relay');
    b.breakers.get('smtp:relay');
    await a.sync.start();
    await b.sync.start();
    try {
      expect(
        (await readBreakerStates(redis, namespace, Date.now())).map((s) => [s.replica, s.state]),
      ).toEqual([
        ['a', 'closed'],
        ['b', 'closed'],
      ]);

      // Two failures trip b's breaker (minimumCalls 2); the heartbeat is a minute away.
      for (let i = 0; i < 2; i++) {
        await refusal(b.breakers.get('smtp:relay').execute(() => Promise.reject(new Error('421'))));
      }
      const tripped = await waitFor('b published open', async () => {
        const states = await readBreakerStates(redis, namespace, Date.now());
        return states.find((s) => s.replica === 'b' && s.state === 'open');
      });
      expect(tripped).toMatchObject({
        destination: 'smtp:relay',
        service: 'sender',
        failureRate: 1,
        calls: 2,
        paused: false,
      });
    } finally {
      await a.sync.stop();
      await b.sync.stop();
    }
    // A clean stop withdraws the replica's states.
    expect(await readBreakerStates(redis, namespace, Date.now())).toEqual([]);
  });

  test('a pause reaches every replica (announced), defers their calls, and a resume closes them', async ({
    redis: { redis, namespace },
  }) => {
    const a = replica(redis, namespace, 'a');
    const b = replica(redis, namespace, 'b');
    await a.sync.start();
    await b.sync.start();
    try {
      a.breakers.get('smtp:relay');
      await pauseDestination(redis, namespace, 'smtp:relay', { by: 'test', now: Date.now() });
      await waitFor(
        'both paused',
        () => a.breakers.paused().length === 1 && b.breakers.paused().length === 1,
      );

      // b had no breaker for it yet: it is created paused. No call runs on either.
      let ran = 0;
      for (const r of [a, b]) {
        const err = await refusal(r.breakers.get('smtp:relay').execute(async () => (ran += 1)));
        expect(isBrokenCircuitError(err) && err.isolated).toBe(true);
      }
      expect(ran).toBe(0);
      await waitFor('published as paused', async () => {
        const states = await readBreakerStates(redis, namespace, Date.now());
        return states.length === 2 && states.every((s) => s.paused && s.state === 'open');
      });

      await resumeDestination(redis, namespace, 'smtp:relay');
      await waitFor(
        'both resumed',
        () => a.breakers.paused().length === 0 && b.breakers.paused().length === 0,
      );
      expect(await b.breakers.get('smtp:relay').execute(async () => 'sent')).toBe('sent');
    } finally {
      await a.sync.stop();
      await b.sync.stop();
    }
  });

  test('a replica that missed the announcement gets the pause on its heartbeat; a restarted one at start', async ({
    redis: { redis, namespace },
  }) => {
    // Stored without an announcement, as when a replica's subscription was down.
    await redis.hset(
      `{${namespace}}:paused`,
      'webhook:teams',
      JSON.stringify({ since: 1, by: 'x' }),
    );
    const late = replica(redis, namespace, 'late', 50);
    await late.sync.start();
    try {
      expect(late.breakers.paused()).toEqual(['webhook:teams']);

      await redis.hset(
        `{${namespace}}:paused`,
        'smtp:relay',
        JSON.stringify({ since: 1, by: 'x' }),
      );
      await waitFor('heartbeat applied the pause', () => late.breakers.paused().length === 2, {
        timeoutMs: 5_000,
      });
    } finally {
      await late.sync.stop();
    }
  });

  test('a stop while Redis does not answer returns within its bound', async ({
    redis: { namespace },
  }) => {
    // A server that accepts connections and never answers: every command waits.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const mute = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
    mute.on('error', () => {});
    try {
      const r = replica(mute, namespace, 'mute');
      const started = Date.now();
      await r.sync.stop({ withdrawWaitMs: 100 });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      mute.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
