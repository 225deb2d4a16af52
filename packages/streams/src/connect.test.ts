import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { describe, expect } from 'vitest';
import { freePort, test } from '@herald/testkit';
import { connectRedis } from './connect.ts';

describe('connectRedis', () => {
  test('fails after the wait, naming REDIS_URL and the socket error', async () => {
    const port = await freePort();
    const started = Date.now();
    const failure = await connectRedis(`redis://127.0.0.1:${port}`, { waitMs: 300 }).catch((err: Error) => err);
    expect(failure).toMatchObject({
      message: 'could not connect to Redis at REDIS_URL within 300 ms',
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test('waits for a Redis that comes up within the wait', async ({ redis: { url } }) => {
    const target = new URL(url);
    const port = await freePort();
    // A forwarder that starts listening only after a while, like a Redis restarting.
    const sockets: Socket[] = [];
    const forwarder: Server = createServer((client) => {
      const upstream = tcpConnect(Number(target.port), target.hostname);
      sockets.push(client, upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    setTimeout(() => forwarder.listen(port, '127.0.0.1'), 400);
    const redis = await connectRedis(`redis://127.0.0.1:${port}`, { waitMs: 5_000, retryStrategy: () => 50 });
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
    for (const socket of sockets) socket.destroy();
    forwarder.close();
    await once(forwarder, 'close');
  });
});
