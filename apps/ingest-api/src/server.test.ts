import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { CORPUS_PATH, waitFor } from '@herald/testkit';
import { Registry } from '@herald/runtime';
import { loadEnv } from './env.ts';
import { startIngestApi } from './server.ts';
import {
  TEST_KEYS,
  addDeadLetter,
  captureLogger,
  closedPort,
  countAlerts,
  enrichEntries,
  storeFailedAlert,
} from './testing.ts';

const corpusText = readFileSync(CORPUS_PATH, 'utf8');

/** The environment main.ts would read, on the test's stores and a free port. */
function envFor(
  databaseUrl: string,
  redisUrl: string,
  namespace: string,
  extra: Record<string, string> = {},
) {
  return loadEnv({
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    HERALD_REDIS_NAMESPACE: namespace,
    HERALD_HTTP_PORT: '0',
    HERALD_API_KEY: TEST_KEYS.join(','),
    ...extra,
  });
}

describe('startIngestApi', () => {
  test('serves the corpus over a real socket, and reads an alert back', async ({
    db,
    databaseUrl,
    redis: { redis, namespace, url },
  }) => {
    const { logger } = captureLogger();
    const service = await startIngestApi(envFor(databaseUrl, url, namespace), logger, {
      registry: new Registry(),
      replica: 'e2e',
    });
    try {
      expect(service.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${service.address}/v1/alerts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_KEYS[0]}`,
          'content-type': 'application/x-ndjson',
        },
        body: corpusText,
      });
      expect(res.status).toBe(202);
      const { accepted } = (await res.json()) as { accepted: { id: string }[] };
      expect(accepted).toHaveLength(25);
      expect((await enrichEntries(redis, namespace)).map((m) => m.alertId)).toEqual(
        accepted.map((a) => a.id),
      );

      const view = await fetch(`${service.address}/v1/alerts/${accepted[3]!.id}`, {
        headers: { authorization: `Bearer ${TEST_KEYS[1]}` },
      });
      expect(view.status).toBe(200);
      expect(await view.json()).toMatchObject({
        state: 'new',
        history: [{ to: 'new', replica: 'e2e' }],
      });
    } finally {
      await service.stop();
    }
    expect(await countAlerts(db)).toBe(25);
  });

  test('a stop lets an in-flight post commit and answer 202, and refuses new requests', async ({
    db,
    databaseUrl,
    redis: { redis, namespace, url },
  }) => {
    const { logger } = captureLogger();
    const service = await startIngestApi(envFor(databaseUrl, url, namespace), logger, {
      registry: new Registry(),
      replica: 'drain',
    });
    // Holding a lock on the table parks the post's insert until the test lets it go.
    const blocker = await db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE alerts IN ACCESS EXCLUSIVE MODE');
      const inFlight = fetch(`${service.address}/v1/alerts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_KEYS[0]}`,
          'content-type': 'application/x-ndjson',
        },
        body: corpusText.split('\n')[0]!,
      });
      await waitFor('the post to wait for the table lock', async () => {
        const { rows } = await db.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0]!.n > 0;
      });

      const stopped = service.stop();
      const late = await fetch(`${service.address}/healthz`).then(
        (res) => res.status,
        () => 'refused',
      );
      expect(late === 'refused' || late === 503).toBe(true);

      await blocker.query('COMMIT');
      const res = await inFlight;
      expect(res.status).toBe(202);
      await stopped;
    } finally {
      blocker.release();
      await service.stop();
    }
    expect(await countAlerts(db)).toBe(1);
    expect(await enrichEntries(redis, namespace)).toHaveLength(1);
  });

  test('refuses to start, and says why, when Redis is unreachable', async ({
    databaseUrl,
    redis: { namespace },
  }) => {
    const { logger } = captureLogger();
    const env = {
      ...envFor(databaseUrl, `redis://127.0.0.1:${await closedPort()}`, namespace),
      HERALD_REDIS_CONNECT_WAIT_MS: 300,
    };
    const failure = await startIngestApi(env, logger, {
      registry: new Registry(),
      replica: 'r',
    }).catch((err: unknown) => err as Error);
    expect(failure).toMatchObject({
      message: 'could not connect to Redis at REDIS_URL within 300 ms',
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
  });

  test('refuses to start on a database whose migrations are behind', async ({
    db,
    databaseUrl,
    redis: { namespace, url },
  }) => {
    await db.pool.query('DELETE FROM "_prisma_migrations"');
    const { logger } = captureLogger();
    await expect(
      startIngestApi(envFor(databaseUrl, url, namespace), logger, {
        registry: new Registry(),
        replica: 'r',
      }),
    ).rejects.toThrow(/missing migrations/);
  });

  test('retries an alert in error over a real socket: published, in new, the dead letter a record', async ({
    db,
    databaseUrl,
    redis: { redis, namespace, url },
  }) => {
    // Set up as a stage that gave up leaves it; no workers run, so nothing moves it on.
    const failed = await storeFailedAlert(db, 'failed');
    const other = await storeFailedAlert(db, 'other');
    const deadLetter = await addDeadLetter(redis, namespace, 'enrich', failed, 'gave up: api down');
    const { logger } = captureLogger();
    const service = await startIngestApi(
      envFor(databaseUrl, url, namespace, { HERALD_MAX_RETRIES: '1' }),
      logger,
      { registry: new Registry(), replica: 'ops' },
    );
    const call = (method: string, path: string, body?: unknown, key: string = TEST_KEYS[0]) =>
      fetch(`${service.address}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    try {
      const unauthorized = await call(
        'GET',
        '/v1/dead-letters?stage=enrich',
        undefined,
        'x'.repeat(20),
      );
      expect(unauthorized.status).toBe(401);
      const letters = await call('GET', '/v1/dead-letters?stage=enrich');
      expect(letters.status).toBe(200);
      expect(await letters.json()).toMatchObject({
        stage: 'enrich',
        total: 1,
        entries: [{ entryId: deadLetter, alertId: failed, alertState: 'error', deliveries: 5 }],
      });

      const retried = await call('POST', `/v1/alerts/${failed}/retry`);
      expect(retried.status).toBe(202);
      expect(await retried.json()).toEqual({ id: failed, state: 'new' });
      expect(await enrichEntries(redis, namespace)).toEqual([{ alertId: failed, attempt: 0 }]);
      const view = await call('GET', `/v1/alerts/${failed}`);
      const alert = (await view.json()) as { state: string; retries: number; history: unknown[] };
      expect(alert).toMatchObject({ state: 'new', retries: 1, error: null });
      expect(alert.history.at(-1)).toMatchObject({
        from: 'error',
        to: 'new',
        replica: 'ops',
        reason: 'retried by ingest-api',
      });
      const again = await call('POST', `/v1/alerts/${failed}/retry`);
      expect(again.status).toBe(409);
      expect(await again.json()).toMatchObject({ state: 'new' });
      const missing = await call('POST', `/v1/alerts/${crypto.randomUUID()}/retry`);
      expect(missing.status).toBe(404);

      // The dead letter stays, a record; its alert is no longer in error.
      const after = await call('GET', '/v1/dead-letters?stage=enrich');
      expect(await after.json()).toMatchObject({
        total: 1,
        entries: [{ alertId: failed, alertState: 'new' }],
      });

      const bulk = await call('POST', '/v1/alerts/retry', { state: 'error', limit: 10 });
      expect(bulk.status).toBe(202);
      expect(await bulk.json()).toEqual({ retried: [other], skipped: [] });
      expect((await enrichEntries(redis, namespace)).map((m) => m.alertId)).toEqual([
        failed,
        other,
      ]);

      // HERALD_MAX_RETRIES=1: a second failure of the same alert stays in error.
      await db.pool.query(`UPDATE alerts SET state = 'error' WHERE id = $1`, [failed]);
      const capped = await call('POST', `/v1/alerts/${failed}/retry`);
      expect(capped.status).toBe(409);
      expect(await capped.json()).toMatchObject({ state: 'error', retries: 1 });
    } finally {
      await service.stop();
    }
    const { rows } = await db.pool.query(`SELECT id, state FROM alerts ORDER BY id = $1 DESC`, [
      failed,
    ]);
    expect(rows).toEqual([
      { id: failed, state: 'error' },
      { id: other, state: 'new' },
    ]);
    expect(await enrichEntries(redis, namespace)).toHaveLength(2);
  });
});
