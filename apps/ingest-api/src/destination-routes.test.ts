import type { FastifyInstance } from 'fastify';
import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { publishBreakerStates, readPauses } from '@herald/streams';
import { authed, testApp, unreachableRedis } from './testing.ts';

function post(app: FastifyInstance, url: string, headers = authed()) {
  return app.inject({ method: 'POST', url, headers });
}

describe('breaker and destination routes', () => {
  test('GET /v1/breakers lists every live replica breaker and the pauses', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const now = Date.now();
    const breaker = {
      destination: 'smtp:relay',
      since: now - 5_000,
      failureRate: 0.5,
      calls: 10,
      paused: false,
    };
    await publishBreakerStates(
      redis,
      namespace,
      { replica: 's1', service: 'sender' },
      [{ ...breaker, state: 'open' }],
      { ttlMs: 60_000, now },
    );
    await publishBreakerStates(
      redis,
      namespace,
      { replica: 'e1', service: 'enricher' },
      [{ ...breaker, destination: 'wazuh-api:m1', state: 'closed' }],
      { ttlMs: 60_000, now },
    );
    const { app } = testApp({ db, redis, namespace });

    expect((await post(app, '/v1/destinations/smtp:relay/pause')).statusCode).toBe(200);
    const res = await app.inject({ method: 'GET', url: '/v1/breakers', headers: authed() });

    expect(res.statusCode).toBe(200);
    const body = res.json<{
      breakers: Record<string, unknown>[];
      paused: Record<string, unknown>[];
    }>();
    expect(body.breakers).toEqual([
      {
        destination: 'smtp:relay',
        replica: 's1',
        service: 'sender',
        state: 'open',
        since: new Date(now - 5_000).toISOString(),
        failureRate: 0.5,
        calls: 10,
        paused: false,
        publishedAt: new Date(now).toISOString(),
      },
      expect.objectContaining({ destination: 'wazuh-api:m1', replica: 'e1', state: 'closed' }),
    ]);
    expect(body.paused).toEqual([
      { destination: 'smtp:relay', since: expect.any(String), by: 'ingest-api:test-replica' },
    ]);
  });

  test('pause stores the destination for every replica; resume removes it, saying whether it was paused', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });

    const paused = await post(app, '/v1/destinations/webhook:teams/pause');
    expect(paused.json()).toMatchObject({
      destination: 'webhook:teams',
      paused: true,
      by: 'ingest-api:test-replica',
    });
    expect([...(await readPauses(redis, namespace)).keys()]).toEqual(['webhook:teams']);

    expect((await post(app, '/v1/destinations/webhook:teams/resume')).json()).toEqual({
      destination: 'webhook:teams',
      paused: false,
      wasPaused: true,
    });
    expect((await post(app, '/v1/destinations/webhook:teams/resume')).json()).toMatchObject({
      wasPaused: false,
    });
    expect((await readPauses(redis, namespace)).size).toBe(0);
  });

  test('refuses a bad name with 400, a wrong key with 401, and answers 503 when Redis is down', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const bad = await post(app, '/v1/destinations/a%20b/pause');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: string }>().error).toContain('printable characters without spaces');
    expect((await post(app, '/v1/destinations/x/pause', {})).statusCode).toBe(401);
    expect((await readPauses(redis, namespace)).size).toBe(0);

    const down = await unreachableRedis();
    const { app: offline } = testApp({ db, redis: down, namespace });
    try {
      const res = await offline.inject({ method: 'GET', url: '/v1/breakers', headers: authed() });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      down.disconnect();
    }
  });
});
