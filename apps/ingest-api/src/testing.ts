import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { insertAlerts, type Database } from '@herald/db';
import { createLogger, Registry, type Logger } from '@herald/runtime';
import {
  deadLetterKey,
  decodeMessage,
  encodeMessage,
  streamKey,
  type StageStream,
  type WorkMessage,
} from '@herald/streams';
import { buildApp, type BackpressureLimits, type IngestLimits } from './app.ts';

/** The keys test apps accept: a current one and one being rotated out. */
export const TEST_KEYS = ['test-key-0123456789abcdef', 'old-key-fedcba9876543210'] as const;

/** Headers of an authenticated request with `contentType`. */
export function authed(contentType?: string): Record<string, string> {
  return {
    authorization: `Bearer ${TEST_KEYS[0]}`,
    ...(contentType ? { 'content-type': contentType } : {}),
  };
}

/** POSTs `payload` to /v1/alerts with the test key and `contentType`; no payload sends no body. */
export function postAlerts(
  app: FastifyInstance,
  contentType: string | undefined,
  payload?: InjectOptions['payload'],
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/v1/alerts',
    headers: authed(contentType),
    ...(payload === undefined ? {} : { payload }),
  });
}

/** GETs one alert's view by id with the test key. */
export function getAlert(app: FastifyInstance, id: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: `/v1/alerts/${id}`, headers: authed() });
}

/** A logger at debug level whose lines the test can read back, parsed. */
export function captureLogger(): {
  logger: Logger;
  lines: () => Record<string, unknown>[];
  raw: () => string;
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({
    service: 'ingest-api',
    replica: 'test-replica',
    level: 'debug',
    destination,
  });
  const raw = () => chunks.join('');
  const lines = () =>
    raw()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, raw };
}

/** An app on the test's own stores, with a captured log and a registry of its own. */
export function testApp(
  stores: { db: Database; redis: Redis; namespace: string },
  limits: Partial<IngestLimits> = {},
  {
    maxRetries,
    backpressure,
  }: { maxRetries?: number; backpressure?: Partial<BackpressureLimits> } = {},
): { app: FastifyInstance; registry: Registry } & ReturnType<typeof captureLogger> {
  const capture = captureLogger();
  const registry = new Registry();
  const app = buildApp({
    ...stores,
    apiKeys: TEST_KEYS,
    logger: capture.logger,
    registry,
    replica: 'test-replica',
    limits,
    ...(maxRetries === undefined ? {} : { maxRetries }),
    ...(backpressure === undefined ? {} : { backpressure }),
  });
  return { app, registry, ...capture };
}

/** Every message in the install's enrich stream, oldest first. */
export async function enrichEntries(redis: Redis, namespace: string): Promise<WorkMessage[]> {
  const entries = await redis.xrange(streamKey(namespace, 'enrich'), '-', '+');
  return entries.map(([, fields]) => decodeMessage(fields)!);
}

/** How many alerts the database holds. */
export async function countAlerts(db: Database): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM alerts');
  return rows[0]!.n;
}

/** A loopback port that nothing listens on: a store "down" without touching the real ones. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A Redis client that fails every command at once, as main.ts's does when Redis is down. */
export async function unreachableRedis(): Promise<Redis> {
  const redis = new Redis({
    host: '127.0.0.1',
    port: await closedPort(),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  return redis;
}

/**
 * Stores an alert and leaves it as a stage that gave up on it does (set with SQL): in
 * `error`, unclaimed, with the error and the attempts it used. Returns its id.
 */
export async function storeFailedAlert(
  db: Database,
  identityKey: string,
  { retries = 0, error = 'gave up after 8 attempts: wazuh api down' } = {},
): Promise<string> {
  const [ref] = await insertAlerts(db, [{ identityKey, body: { rule: { id: '5716' } } }], {
    service: 'ingest-api',
    replica: 'test',
  });
  await db.pool.query(
    `UPDATE alerts SET state = 'error', attempt = 8, retries = $2, error = $3,
            claimed_by = NULL, claim_expires_at = NULL, state_changed_at = now()
      WHERE id = $1`,
    [ref!.id, retries, error],
  );
  return ref!.id;
}

/** Writes a dead-letter entry for `alertId` with the fields a stage writes. Returns its id. */
export async function addDeadLetter(
  redis: Redis,
  namespace: string,
  stage: StageStream,
  alertId: string,
  reason: string,
): Promise<string> {
  const id = await redis.xadd(
    deadLetterKey(namespace, stage),
    '*',
    ...encodeMessage({ alertId, attempt: 3 }),
    'reason',
    reason,
    'source_entry',
    '1765000000000-0',
    'deliveries',
    '5',
  );
  return id!;
}
