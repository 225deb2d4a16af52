import {
  assertMigrationsCurrent,
  createDatabase,
  type Database,
  type StageName,
} from '@herald/db';
import {
  createLogger,
  createMetricsRegistry,
  defaultReplicaName,
  runService,
  startOpsServer,
  type Logger,
  type Registry,
} from '@herald/runtime';
import { connectRedis } from '@herald/streams';
import type { Redis } from 'ioredis';
import type { BreakerRegistry, BreakerSettings } from '@herald/breaker';
import { BreakerSync } from './breaker-sync.ts';
import { createBreakerRegistry } from './breakers.ts';
import type { StageHandler } from './handler.ts';
import { createStageMetrics } from './metrics.ts';
import { stageSettingsFromEnv, type StageEnv } from './settings.ts';
import { StageWorker } from './worker.ts';

// A silent connection (a half-open socket, a hung server) fails a command instead of
// hanging the batch, the hand-off and the stop behind it. Blocking reads run on their own
// connection without this timeout (see @herald/streams).
const REDIS_COMMAND_TIMEOUT_MS = 5_000;

/** The parsed settings a stage app passes in (runtime's workerEnvShape, parsed). */
export interface StageServiceEnv extends StageEnv {
  LOG_LEVEL: string;
  HERALD_REPLICA?: string | undefined;
  DATABASE_URL: string;
  REDIS_URL: string;
  HERALD_REDIS_NAMESPACE: string;
  OPS_HOST: string;
  OPS_PORT: number;
  HERALD_SHUTDOWN_TIMEOUT_MS: number;
  HERALD_REDIS_CONNECT_WAIT_MS: number;
  /**
   * How often a replica publishes its breakers and re-reads the operators' pauses: a pause
   * reaches a replica that missed its announcement within this time.
   */
  HERALD_BREAKER_HEARTBEAT_MS: number;
}

export interface HandlerContext {
  db: Database;
  redis: Redis;
  logger: Logger;
  registry: Registry;
  /**
   * The process's breaker registry, one breaker per destination, published for every
   * replica (GET /v1/breakers) and obeying operators' pauses. Call it once: a second call
   * throws, since one registry must hold every destination of the process.
   */
  breakers: (defaults?: Partial<Omit<BreakerSettings, 'name'>>) => BreakerRegistry;
}

/**
 * The main of a stage app: connects to PostgreSQL (refusing one whose migrations are
 * behind) and Redis, builds the app's handler, runs a StageWorker and the health and
 * metrics endpoint, and stops them in reverse order on SIGTERM.
 */
export function runStageService(options: {
  service: string;
  stage: StageName;
  env: StageServiceEnv;
  createHandler: (context: HandlerContext) => Promise<StageHandler> | StageHandler;
}): Promise<void> {
  const { env, stage, service } = options;
  const replica = env.HERALD_REPLICA ?? defaultReplicaName();
  const logger = createLogger({ service, replica, level: env.LOG_LEVEL });

  return runService(
    logger,
    async () => {
      const db = createDatabase({ url: env.DATABASE_URL, poolMax: 5, applicationName: `herald-${service}` });
      await assertMigrationsCurrent(db.pool);
      // Connected before anything else starts. Few retries per command: a Redis outage
      // fails a batch (which is retried) instead of queueing commands without bound.
      const redis = await connectRedis(env.REDIS_URL, {
        waitMs: env.HERALD_REDIS_CONNECT_WAIT_MS,
        maxRetriesPerRequest: 2,
        commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
        keepAlive: 30_000,
        onError: (err) => logger.debug({ err }, 'redis connection error'),
      });
      const registry = createMetricsRegistry(service);
      const sync = new BreakerSync({
        redis,
        namespace: env.HERALD_REDIS_NAMESPACE,
        replica,
        service,
        heartbeatMs: env.HERALD_BREAKER_HEARTBEAT_MS,
        logger,
      });
      let breakers: BreakerRegistry | undefined;
      const handler = await options.createHandler({
        db,
        redis,
        logger,
        registry,
        breakers: (defaults) => {
          if (breakers) throw new Error('breakers() is called once per process');
          breakers = createBreakerRegistry(logger, registry, defaults, sync);
          return breakers;
        },
      });
      let worker: StageWorker | undefined;
      const metrics = createStageMetrics(registry, () => worker?.lastReadAt, stage);
      worker = new StageWorker({
        stage,
        db,
        redis,
        redisUrl: env.REDIS_URL,
        namespace: env.HERALD_REDIS_NAMESPACE,
        actor: { service, replica },
        settings: stageSettingsFromEnv(env),
        handler,
        logger,
        metrics,
      });
      await sync.start();
      await worker.start();
      let stopping = false;
      const ops = await startOpsServer({
        host: env.OPS_HOST,
        port: env.OPS_PORT,
        logger,
        registry,
        checkReady: async () => {
          const checks: Record<string, string> = {};
          checks.postgres = await db.pool.query('SELECT 1').then(() => 'ok', (err: Error) => err.message);
          checks.redis = await redis.ping().then(() => 'ok', (err: Error) => err.message);
          checks.worker = stopping ? 'stopping' : 'ok';
          return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
        },
      });
      logger.info({ stage, ops: ops.address }, 'stage worker running');

      return {
        async stop() {
          stopping = true;
          // Reverse of start: stop taking work and finish the batch in hand while the
          // stores are still there to commit it, then close the endpoint and the stores.
          await worker?.stop();
          await sync.stop();
          await ops.close();
          redis.disconnect();
          await db.close();
        },
      };
    },
    { shutdownTimeoutMs: env.HERALD_SHUTDOWN_TIMEOUT_MS },
  );
}
