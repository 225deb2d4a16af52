import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { CORPUS_PATH, waitFor } from '@herald/testkit';
import { Registry } from '@herald/runtime';
import { loadEnv } from './env.ts';
import { startIngestApi } from './server.ts';
import { TEST_KEYS, captureLogger, countAlerts, enrichEntries } from './testing.ts';

const corpusText = readFileSync(CORPUS_PATH, 'utf8');

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The environment main.ts would read, on the test's stores and a free port. */
function envFor(databaseUrl: string, redisUrl: string, namespace: string) {
  return loadEnv({
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    HERALD_REDIS_NAMESPACE: namespace,
    HERALD_HTTP_PORT: '0',
    HERALD_API_KEY: TEST_KEYS.join(','),
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
    const env = envFor(databaseUrl, `redis://127.0.0.1:${await closedPort()}`, namespace);
    const failure = await startIngestApi(env, logger, {
      registry: new Registry(),
      replica: 'r',
    }).catch((err: unknown) => err as Error);
    expect(failure).toMatchObject({
      message: 'could not connect to Redis at REDIS_URL',
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
});
