import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Database } from '@herald/db';
import { createLogger, Registry, type Logger } from '@herald/runtime';
import { decodeMessage, streamKey, type WorkMessage } from '@herald/streams';
import { buildApp, type IngestLimits } from './app.ts';

/** The keys test apps accept: a current one and one being rotated out. */
export const TEST_KEYS = ['test-key-0123456789abcdef', 'old-key-fedcba9876543210'] as const;

/** Headers of an authenticated request with `contentType`. */
export function authed(contentType?: string): Record<string, string> {
  return {
    authorization: `Bearer ${TEST_KEYS[0]}`,
    ...(contentType ? { 'content-type': contentType } : {}),
  };
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
