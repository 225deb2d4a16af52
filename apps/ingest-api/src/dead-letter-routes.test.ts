import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { insertAlerts } from '@herald/db';
import { test } from '@herald/db/testing';
import { addDeadLetter, authed, storeFailedAlert, testApp, unreachableRedis } from './testing.ts';

describe('GET /v1/dead-letters', () => {
  test("lists a stage's dead letters with reason, deliveries and each alert's state now", async ({
    db,
    redis: { redis, namespace },
  }) => {
    const failed = await storeFailedAlert(db, 'a');
    const [moved] = await insertAlerts(db, [{ identityKey: 'b', body: {} }], {
      service: 'ingest-api',
      replica: 'i',
    });
    const gone = randomUUID();
    const first = await addDeadLetter(redis, namespace, 'analyze', failed, 'gave up: llm down');
    await addDeadLetter(redis, namespace, 'analyze', moved!.id, 'gave up: timeout');
    const third = await addDeadLetter(redis, namespace, 'analyze', gone, 'gave up: no alert');
    await addDeadLetter(redis, namespace, 'enrich', failed, 'another stage');
    const { app } = testApp({ db, redis, namespace });

    const res = await app.inject({
      method: 'GET',
      url: '/v1/dead-letters?stage=analyze',
      headers: authed(),
    });

    expect(res.statusCode).toBe(200);
    const page = res.json<{ stage: string; total: number; entries: Record<string, unknown>[] }>();
    expect(page.stage).toBe('analyze');
    expect(page.total).toBe(3);
    expect(page.entries).toEqual([
      {
        entryId: first,
        deadLetteredAt: new Date(Number(first.split('-')[0])).toISOString(),
        alertId: failed,
        reason: 'gave up: llm down',
        deliveries: 5,
        sourceEntry: '1765000000000-0',
        alertState: 'error',
      },
      expect.objectContaining({ alertId: moved!.id, alertState: 'new' }),
      expect.objectContaining({ entryId: third, alertId: gone, alertState: null }),
    ]);

    const paged = await app.inject({
      method: 'GET',
      url: `/v1/dead-letters?stage=analyze&count=1&after=${first}`,
      headers: authed(),
    });
    expect(paged.json<{ entries: { alertId: string }[] }>().entries.map((e) => e.alertId)).toEqual([
      moved!.id,
    ]);
  });

  test('after a retry the entry is still listed, with its alert no longer in error', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const id = await storeFailedAlert(db, 'a');
    await addDeadLetter(redis, namespace, 'send', id, 'gave up: smtp 451');
    const { app } = testApp({ db, redis, namespace });

    await app.inject({ method: 'POST', url: `/v1/alerts/${id}/retry`, headers: authed() });
    const res = await app.inject({
      method: 'GET',
      url: '/v1/dead-letters?stage=send&count=10',
      headers: authed(),
    });

    expect(res.json()).toMatchObject({
      total: 1,
      entries: [{ alertId: id, alertState: 'new', reason: 'gave up: smtp 451' }],
    });
  });

  test('refuses a missing or unknown stage and a bad count or after with 400 naming it', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const cases: [string, string][] = [
      ['', 'stage must be one of enrich, analyze, format, send'],
      ['?stage=ingest', 'stage must be one of enrich, analyze, format, send'],
      ['?stage=send&count=0', 'count must be a whole number from 1 to 1000'],
      ['?stage=send&count=5000', 'count must be a whole number from 1 to 1000'],
      ['?stage=send&count=ten', 'count must be a whole number from 1 to 1000'],
      ['?stage=send&after=yesterday', 'after must be a stream entry id such as 1765000000000-0'],
      ['?stage=send&limit=5', 'unknown parameter "limit"'],
    ];
    for (const [query, error] of cases) {
      const res = await app.inject({
        method: 'GET',
        url: `/v1/dead-letters${query}`,
        headers: authed(),
      });
      expect([res.statusCode, res.json()], query).toEqual([400, { error }]);
    }
  });

  test('Redis down: 503 with Retry-After', async ({ db, redis: { namespace } }) => {
    const redis = await unreachableRedis();
    const { app } = testApp({ db, redis, namespace });
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/dead-letters?stage=enrich',
        headers: authed(),
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toEqual({ error: 'Redis is unavailable; retry later' });
    } finally {
      redis.disconnect();
    }
  });
});

describe('dead-letter route authentication', () => {
  test('refuses a missing or wrong key with 401 and a challenge, listing nothing', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const id = await storeFailedAlert(db, 'a');
    await addDeadLetter(redis, namespace, 'enrich', id, 'gave up: api down');
    const { app } = testApp({ db, redis, namespace });
    const keys = [
      { headers: {}, challenge: 'Bearer realm="herald"' },
      {
        headers: { authorization: 'Bearer not-the-key-0123456789' },
        challenge: 'Bearer realm="herald", error="invalid_token"',
      },
    ];

    for (const { headers, challenge } of keys) {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/dead-letters?stage=enrich',
        headers,
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe(challenge);
      expect(res.body).not.toContain('gave up');
    }
  });
});
