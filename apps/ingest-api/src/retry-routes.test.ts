import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import type { InjectOptions } from 'fastify';
import { createDatabase, insertAlerts, type Database } from '@herald/db';
import { test } from '@herald/db/testing';
import {
  authed,
  closedPort,
  enrichEntries,
  storeFailedAlert,
  testApp,
  unreachableRedis,
} from './testing.ts';

async function alertRow(db: Database, id: string) {
  const { rows } = await db.pool.query(
    'SELECT state, retries, attempt, error FROM alerts WHERE id = $1',
    [id],
  );
  return rows[0];
}

const retryAll = (payload: unknown): InjectOptions => ({
  method: 'POST',
  url: '/v1/alerts/retry',
  headers: authed('application/json'),
  payload: JSON.stringify(payload),
});

describe('POST /v1/alerts/:id/retry', () => {
  test('moves an alert in error to new, answers 202 and hands it to the enrich stream', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const id = await storeFailedAlert(db, 'a');
    await db.pool.query(
      `INSERT INTO deliveries (id, alert_id, receiver, channel, status, message_key, rendered)
       VALUES ($1, $2, 'soc', 'email', 'failed', 'k1', '{}')`,
      [randomUUID(), id],
    );
    const { app, lines } = testApp({ db, redis, namespace });

    const res = await app.inject({
      method: 'POST',
      url: `/v1/alerts/${id}/retry`,
      headers: authed(),
    });

    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id, state: 'new' });
    expect(await alertRow(db, id)).toEqual({ state: 'new', retries: 1, attempt: 0, error: null });
    expect(await enrichEntries(redis, namespace)).toEqual([{ alertId: id, attempt: 0 }]);
    const view = await app.inject({ method: 'GET', url: `/v1/alerts/${id}`, headers: authed() });
    expect(view.json()).toMatchObject({
      state: 'new',
      retries: 1,
      deliveries: [{ receiver: 'soc', status: 'pending' }],
    });
    expect(view.json().history.at(-1)).toMatchObject({
      from: 'error',
      to: 'new',
      service: 'ingest-api',
      replica: 'test-replica',
      reason: 'retried by ingest-api',
    });
    expect(lines()).toContainEqual(
      expect.objectContaining({ msg: 'request completed', status: 202, retried: 1, skipped: 0 }),
    );
  });

  test('answers 409 naming the state for an alert not in error, and publishes nothing', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const [ref] = await insertAlerts(db, [{ identityKey: 'a', body: {} }], {
      service: 'ingest-api',
      replica: 'i',
    });
    await db.pool.query(`UPDATE alerts SET state = 'sent'`);
    const { app } = testApp({ db, redis, namespace });

    const res = await app.inject({
      method: 'POST',
      url: `/v1/alerts/${ref!.id}/retry`,
      headers: authed(),
    });

    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      error: `alert ${ref!.id} is in state 'sent'; only an alert in state 'error' can be retried`,
      state: 'sent',
      retries: 0,
    });
    expect(await alertRow(db, ref!.id)).toMatchObject({ state: 'sent', retries: 0 });
    expect(await enrichEntries(redis, namespace)).toEqual([]);
  });

  test('answers 409 for an alert that has had HERALD_MAX_RETRIES retries; it stays in error', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const id = await storeFailedAlert(db, 'a', { retries: 2 });
    const { app } = testApp({ db, redis, namespace }, {}, { maxRetries: 2 });

    const res = await app.inject({
      method: 'POST',
      url: `/v1/alerts/${id}/retry`,
      headers: authed(),
    });

    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      error: `alert ${id} has been retried 2 times, the limit per alert (2); it stays in error`,
      state: 'error',
      retries: 2,
    });
    expect(await alertRow(db, id)).toMatchObject({ state: 'error', retries: 2 });
    expect(await enrichEntries(redis, namespace)).toEqual([]);
  });

  test('answers 404 for an unknown or malformed id', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    for (const id of [randomUUID(), 'not-an-id']) {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/alerts/${id}/retry`,
        headers: authed(),
      });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: `no alert with id ${id}` });
    }
  });

  test('Redis down at publish time: 202, the alert in new for the sweeper, a warning', async ({
    db,
    redis: { redis: liveRedis, namespace },
  }) => {
    const id = await storeFailedAlert(db, 'a');
    const redis = await unreachableRedis();
    const { app, lines, registry } = testApp({ db, redis, namespace });
    try {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/alerts/${id}/retry`,
        headers: authed(),
      });

      expect(res.statusCode).toBe(202);
      expect(await alertRow(db, id)).toMatchObject({ state: 'new', retries: 1 });
      expect(await enrichEntries(liveRedis, namespace)).toEqual([]);
      expect(lines()).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          count: 1,
          msg: 'publishing to the enrich stream failed; the retried alerts wait for the sweeper',
        }),
      );
      expect(
        await registry.getSingleMetricAsString('herald_ingest_publish_failed_alerts_total'),
      ).toMatch(/ 1$/);
    } finally {
      redis.disconnect();
    }
  });

  test('PostgreSQL down: 503 with Retry-After, nothing published', async ({
    redis: { redis, namespace },
  }) => {
    const down = createDatabase({
      url: `postgresql://herald@127.0.0.1:${await closedPort()}/herald`,
    });
    const { app } = testApp({ db: down, redis, namespace });
    try {
      for (const request of [
        { method: 'POST' as const, url: `/v1/alerts/${randomUUID()}/retry`, headers: authed() },
        retryAll({ state: 'error' }),
      ]) {
        const res = await app.inject(request);
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.json()).toEqual({
          error: 'the database is unavailable; nothing was retried, retry later',
        });
      }
      expect(await enrichEntries(redis, namespace)).toEqual([]);
    } finally {
      await down.close();
    }
  });
});

describe('POST /v1/alerts/retry', () => {
  test('retries alerts in error up to the limit, oldest first, and names those at the cap', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const ids: string[] = [];
    for (const key of ['a', 'b', 'c', 'd']) ids.push(await storeFailedAlert(db, key));
    // a failed first, d last; c has used its retries.
    await db.pool.query(
      `UPDATE alerts SET state_changed_at = now() - make_interval(mins => (10 - i)::int)
         FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, i) WHERE alerts.id = t.id`,
      [ids],
    );
    await db.pool.query('UPDATE alerts SET retries = 3 WHERE id = $1', [ids[2]]);
    const [fresh] = await insertAlerts(db, [{ identityKey: 'fresh', body: {} }], {
      service: 'ingest-api',
      replica: 'i',
    });
    const { app } = testApp({ db, redis, namespace });

    const res = await app.inject(retryAll({ state: 'error', limit: 2 }));

    expect(res.statusCode).toBe(202);
    const body = res.json<{ retried: string[]; skipped: unknown[] }>();
    expect([...body.retried].sort()).toEqual([ids[0], ids[1]].sort());
    expect(body.skipped).toEqual([
      { id: ids[2], reason: 'retry limit reached', state: 'error', retries: 3 },
    ]);
    expect((await enrichEntries(redis, namespace)).map((m) => m.alertId).sort()).toEqual(
      [...body.retried].sort(),
    );
    expect(await alertRow(db, fresh!.id)).toMatchObject({ state: 'new', retries: 0 });

    // Without a limit: the default (1000) takes the rest.
    const rest = await app.inject(retryAll({ state: 'error' }));
    expect(rest.json<{ retried: string[] }>().retried).toEqual([ids[3]]);
    expect(await enrichEntries(redis, namespace)).toHaveLength(3);
    const { rows } = await db.pool.query(`SELECT id FROM alerts WHERE state = 'error'`);
    expect(rows).toEqual([{ id: ids[2] }]);
  });

  test('refuses a body that does not say state "error", or a wrong limit, with 400 naming it', async ({
    db,
    redis: { redis, namespace },
  }) => {
    await storeFailedAlert(db, 'a');
    const { app } = testApp({ db, redis, namespace });
    const cases: [InjectOptions, number, string][] = [
      [
        { method: 'POST', url: '/v1/alerts/retry', headers: authed() },
        400,
        'the body is empty; send application/json such as {"state":"error","limit":100}',
      ],
      [retryAll({ limit: 5 }), 400, 'state must be "error" (alerts are retried only from error)'],
      [
        retryAll({ state: 'sent' }),
        400,
        'state must be "error" (alerts are retried only from error)',
      ],
      [retryAll({ state: 'error', limit: 0 }), 400, 'limit must be a whole number from 1 to 10000'],
      [
        retryAll({ state: 'error', limit: 2.5 }),
        400,
        'limit must be a whole number from 1 to 10000',
      ],
      [retryAll({ state: 'error', limt: 5 }), 400, 'unknown field "limt"'],
      [
        retryAll([{ state: 'error' }]),
        400,
        'the body must be a JSON object; send application/json such as {"state":"error","limit":100}',
      ],
      [
        {
          method: 'POST',
          url: '/v1/alerts/retry',
          headers: authed('application/json'),
          payload: '{"state":',
        },
        400,
        'the body is not valid JSON at line 1 column 10 (position 9): Unexpected end of JSON input',
      ],
      [
        {
          method: 'POST',
          url: '/v1/alerts/retry',
          headers: authed('application/x-ndjson'),
          payload: '{"state":"error"}',
        },
        415,
        'the body must be JSON; send application/json such as {"state":"error","limit":100}',
      ],
    ];
    for (const [request, status, error] of cases) {
      const res = await app.inject(request);
      expect([res.statusCode, res.json()], String(request.payload)).toEqual([status, { error }]);
    }
    expect((await db.pool.query(`SELECT state FROM alerts`)).rows).toEqual([{ state: 'error' }]);
    expect(await enrichEntries(redis, namespace)).toEqual([]);
  });
});

describe('retry routes authentication', () => {
  test('refuse a missing or wrong key with 401 and a challenge, retrying nothing', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const id = await storeFailedAlert(db, 'a');
    const { app } = testApp({ db, redis, namespace });
    const requests: InjectOptions[] = [
      { method: 'POST', url: `/v1/alerts/${id}/retry` },
      { method: 'POST', url: '/v1/alerts/retry', payload: { state: 'error' } },
    ];
    const keys = [
      { headers: {}, challenge: 'Bearer realm="herald"' },
      {
        headers: { authorization: 'Bearer not-the-key-0123456789' },
        challenge: 'Bearer realm="herald", error="invalid_token"',
      },
    ];

    for (const request of requests) {
      for (const { headers, challenge } of keys) {
        const res = await app.inject({ ...request, headers });
        expect(res.statusCode, `${request.method} ${request.url}`).toBe(401);
        expect(res.headers['www-authenticate']).toBe(challenge);
        expect(res.json().error).toMatch(/API key/);
      }
    }
    expect(await alertRow(db, id)).toMatchObject({ state: 'error', retries: 0 });
    expect(await enrichEntries(redis, namespace)).toEqual([]);
  });
});
