import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { connectRedis } from '@herald/streams';
import { assertMigrationsCurrent, createDatabase } from '@herald/db';
import type { Logger, Registry, ServiceHandle } from '@herald/runtime';
import { buildApp } from './app.ts';
import type { IngestEnv } from './env.ts';
import { startRetention } from './retention.ts';

/** Rows one retention statement deletes: bounded so a first prune holds no long locks. */
const RETENTION_BATCH = 5_000;

/** A running ingest API: the app, the address it listens on, and a stop. */
export interface IngestService extends ServiceHandle {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:8080; the bound port when HERALD_HTTP_PORT is 0. */
  address: string;
}

/**
 * Connects a Redis client that fails fast when Redis is down instead of queueing commands:
 * a publish then fails at once, the request is still answered (the alerts are committed),
 * and the enricher's sweeper hands them on later. Connection trouble is logged once per
 * outage, not once per reconnection attempt. Waits for Redis at start up to
 * HERALD_REDIS_CONNECT_WAIT_MS (a restart in progress), then rejects naming the cause.
 */
async function openRedis(url: string, waitMs: number, logger: Logger): Promise<Redis> {
  let down = false;
  const redis = await connectRedis(url, {
    waitMs,
    // Ingest never queues commands for a Redis that is away: PostgreSQL is the record,
    // and the enricher's sweeper hands on what could not be published.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    onError: (err) => {
      if (!down) {
        down = true;
        logger.warn({ err }, 'redis connection failed; reconnecting');
      }
    },
  });
  redis.on('ready', () => {
    if (down) {
      down = false;
      logger.info('redis connection restored');
    }
  });
  return redis;
}

/**
 * Starts ingest-api as main.ts does: opens PostgreSQL and refuses a database whose
 * migrations are behind, connects to Redis, builds the app and listens. Whatever was
 * opened before a failing step is closed again before the error is rethrown.
 */
export async function startIngestApi(
  env: IngestEnv,
  logger: Logger,
  { registry, replica }: { registry: Registry; replica: string },
): Promise<IngestService> {
  // Undone in reverse order when a later step fails.
  const opened: (() => Promise<void>)[] = [];
  const undo = async () => {
    for (const close of opened.reverse()) {
      await close().catch((err: unknown) =>
        logger.warn({ err }, 'closing after a failed start failed'),
      );
    }
  };

  try {
    const db = createDatabase({ url: env.DATABASE_URL, applicationName: 'herald-ingest-api' });
    opened.push(() => db.close());
    await assertMigrationsCurrent(db.pool);

    const redis = await openRedis(env.REDIS_URL, env.HERALD_REDIS_CONNECT_WAIT_MS, logger);
    opened.push(async () => redis.disconnect());

    const app = buildApp({
      db,
      redis,
      namespace: env.HERALD_REDIS_NAMESPACE,
      apiKeys: env.HERALD_API_KEY,
      logger,
      registry,
      replica,
      limits: {
        bodyLimitBytes: env.HERALD_BODY_LIMIT_BYTES,
        maxAlertsPerRequest: env.HERALD_MAX_ALERTS_PER_REQUEST,
      },
      maxRetries: env.HERALD_MAX_RETRIES,
      backpressure: {
        maxPipelineLag: env.HERALD_MAX_PIPELINE_LAG,
        maxBodyBytesInFlight: env.HERALD_MAX_BODY_BYTES_IN_FLIGHT,
        checkIntervalMs: env.HERALD_BACKPRESSURE_CHECK_MS,
        retryAfterSeconds: env.HERALD_BACKPRESSURE_RETRY_AFTER_S,
      },
    });
    opened.push(() => app.close());
    const address = await app.listen({ host: env.HERALD_HTTP_HOST, port: env.HERALD_HTTP_PORT });
    logger.info({ address }, 'ingest api listening');
    const retention = startRetention({
      pool: db.pool,
      policy: {
        finishedMs: env.HERALD_RETENTION_MS,
        errorMs: env.HERALD_ERROR_RETENTION_MS,
        batchSize: RETENTION_BATCH,
      },
      intervalMs: env.HERALD_RETENTION_INTERVAL_MS,
      logger,
    });

    let stopping: Promise<void> | undefined;
    return {
      app,
      address,
      stop() {
        // Reverse of startup. The server first: it stops accepting connections and waits
        // for in-flight requests, which still need both stores to commit and publish.
        // Then Redis (QUIT lets pipelined writes finish), then PostgreSQL.
        stopping ??= (async () => {
          await retention.stop();
          await app.close();
          await redis.quit().catch(() => redis.disconnect());
          await db.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await undo();
    throw err;
  }
}
