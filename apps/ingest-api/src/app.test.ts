import { describe, expect } from 'vitest';
import { createDatabase } from '@herald/db';
import { test } from '@herald/db/testing';
import { buildApp } from './app.ts';
import { Registry } from '@herald/runtime';
import {
  authed,
  captureLogger,
  closedPort,
  countAlerts,
  enrichEntries,
  testApp,
  unreachableRedis,
} from './testing.ts';

const alert = {
  timestamp: '2026-12-04T10:00:00.000+0000',
  rule: { level: 7, id: '5716', description: 'sshd: authentication failed.' },
  agent: { id: '002', name: 'db-01' },
  manager: { name: 'wazuh-test' },
  id: '1765000000.42',
};

describe('ops routes', () => {
  test('serve health, readiness and metrics without a key', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    await app.inject({
      method: 'POST',
      url: '/v1/alerts',
      headers: authed('application/json'),
      payload: alert,
    });
    await app.inject({
      method: 'POST',
      url: '/v1/alerts',
      headers: authed('application/json'),
      payload: alert,
    });
    await app.inject({
      method: 'POST',
      url: '/v1/alerts',
      headers: authed('application/json'),
      payload: [{}],
    });

    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/herald_ingest_alerts_total\{outcome="accepted"\} 1\n/);
    expect(metrics).toMatch(/herald_ingest_alerts_total\{outcome="duplicate"\} 1\n/);
    expect(metrics).toMatch(/herald_ingest_alerts_total\{outcome="rejected"\} 1\n/);
    expect(metrics).toMatch(/herald_ingest_requests_total\{status="202"\} 2\n/);
    expect(metrics).toMatch(/herald_ingest_requests_total\{status="400"\} 1\n/);
    expect(metrics).toMatch(/herald_ingest_request_duration_seconds_count\{status="202"\} 2\n/);
  });
});

describe('request log', () => {
  test('writes one line per request with its counts, each accepted id at debug, and no body', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app, lines, raw } = testApp({ db, redis, namespace });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/alerts?source=test',
      headers: authed('application/json'),
      payload: [alert, { ...alert, id: '1765000000.43', rule: { id: '1' } }],
    });
    const id = res.json<{ accepted: { id: string }[] }>().accepted[0]!.id;

    const completed = lines().filter((l) => l.msg === 'request completed');
    expect(completed).toEqual([
      expect.objectContaining({
        reqId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        method: 'POST',
        path: '/v1/alerts',
        status: 400,
        accepted: 1,
        duplicate: 0,
        rejected: 1,
        reason: 'some alerts were rejected',
        level: 'info',
      }),
    ]);
    expect(lines()).toContainEqual(
      expect.objectContaining({ msg: 'alert accepted', alertId: id, level: 'debug' }),
    );
    expect(raw()).not.toContain('sshd: authentication failed');
  });
});

describe('errors', () => {
  test('are JSON sentences for an unknown route and a malformed URL', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app, lines } = testApp({ db, redis, namespace });
    const missing = await app.inject({ method: 'GET', url: '/v2/alerts?token=x' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'no route GET /v2/alerts' });
    const badUrl = await app.inject({
      method: 'GET',
      url: '/v1/alerts/%E0%A4%A',
      headers: authed(),
    });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json()).toEqual({ error: 'the request path is not validly percent-encoded' });
    expect(lines().map((l) => [l.status, l.path, l.reason])).toEqual([
      [404, '/v2/alerts', 'no such route'],
      [400, '/v1/alerts/%E0%A4%A', 'the request path is not validly percent-encoded'],
    ]);
  });

  test('Redis down at publish time: 202, the alert stored in state new, a warning with the count', async ({
    db,
    redis: { redis: liveRedis, namespace },
  }) => {
    const redis = await unreachableRedis();
    const { app, lines, registry } = testApp({ db, redis, namespace });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/alerts',
      headers: authed('application/json'),
      payload: alert,
    });

    expect(res.statusCode).toBe(202);
    const { id } = res.json<{ accepted: { id: string }[] }>().accepted[0]!;
    const { rows } = await db.pool.query<{ state: string }>(
      'SELECT state FROM alerts WHERE id = $1',
      [id],
    );
    expect(rows).toEqual([{ state: 'new' }]);
    expect(await enrichEntries(liveRedis, namespace)).toEqual([]);
    expect(lines()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        count: 1,
        err: expect.objectContaining({ message: expect.any(String) }),
      }),
    );
    expect(
      await registry.getSingleMetricAsString('herald_ingest_publish_failed_alerts_total'),
    ).toMatch(/ 1$/);

    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({
      status: 'not ready',
      checks: { postgres: 'ok', redis: 'down' },
    });
    redis.disconnect();
  });

  test('PostgreSQL down: 503 with Retry-After and nothing published, for posts and reads', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const down = createDatabase({
      url: `postgresql://herald@127.0.0.1:${await closedPort()}/herald`,
    });
    const { app, lines } = testApp({ db: down, redis, namespace }, { retryAfterSeconds: 7 });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/alerts',
        headers: authed('application/json'),
        payload: alert,
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.json()).toEqual({
        error: 'the database is unavailable; nothing was stored, retry later',
      });
      expect(await enrichEntries(redis, namespace)).toEqual([]);
      expect(lines()).toContainEqual(
        expect.objectContaining({
          level: 'error',
          status: 503,
          err: expect.objectContaining({ type: 'StoreUnavailableError' }),
        }),
      );

      const read = await app.inject({
        method: 'GET',
        url: `/v1/alerts/${crypto.randomUUID()}`,
        headers: authed(),
      });
      expect(read.statusCode).toBe(503);
      expect(read.headers['retry-after']).toBe('7');
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.json()).toEqual({
        status: 'not ready',
        checks: { postgres: 'down', redis: 'ok' },
      });
    } finally {
      await down.close();
    }
    expect(await countAlerts(db)).toBe(0);
  });

  test('refuses limits that are not positive whole numbers', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const build = () =>
      buildApp({
        db,
        redis,
        namespace,
        apiKeys: ['a-key-of-sixteen-chars'],
        logger: captureLogger().logger,
        registry: new Registry(),
        replica: 'r',
        limits: { maxAlertsPerRequest: 0 },
      });
    expect(build).toThrow('limits.maxAlertsPerRequest must be a positive whole number, got 0');
  });
});
