import type { Actor, Database, StageName } from '@herald/db';
import type { Logger } from '@herald/runtime';
import { deadLetterKey, groupName, StreamConsumer, streamKey } from '@herald/streams';
import type { Redis } from 'ioredis';
import { handleBatch, type BatchDeps } from './batch.ts';
import type { StageHandler } from './handler.ts';
import type { StageMetrics } from './metrics.ts';
import type { StageSettings } from './settings.ts';
import { Sweeper } from './sweeper.ts';

export interface StageWorkerOptions {
  stage: StageName;
  db: Database;
  /** The command connection; the consumer opens its own for blocking reads. */
  redis: Redis;
  redisUrl: string;
  namespace: string;
  actor: Actor;
  settings: StageSettings;
  handler: StageHandler;
  logger: Logger;
  metrics?: StageMetrics;
  /**
   * Fault hooks for tests (e.g. kill the process between a commit and its hand-off).
   * runStageService never sets them: a production deployment cannot reach them.
   */
  faults?: Pick<BatchDeps, 'afterCommit'>;
}

/**
 * One replica of a stage: a consumer in the stage's group feeding batches to the handler,
 * and the sweeper that brings back alerts the stream lost.
 */
export class StageWorker {
  readonly #options: StageWorkerOptions;
  readonly #consumer: StreamConsumer;
  readonly #sweeper: Sweeper;
  readonly #abort = new AbortController();
  #closing: Promise<void> | undefined;

  constructor(options: StageWorkerOptions) {
    this.#options = options;
    const { stage, redis, namespace, actor, settings, logger } = options;
    this.#consumer = new StreamConsumer({
      redis,
      stream: streamKey(namespace, stage),
      group: groupName(stage),
      consumer: `${stage}:${actor.replica}`,
      deadLetterStream: deadLetterKey(namespace, stage),
      batchSize: settings.batchSize,
      blockMs: settings.blockMs,
      ...(settings.readLingerMs !== undefined ? { readLingerMs: settings.readLingerMs } : {}),
      reclaimIdleMs: settings.reclaimIdleMs,
      reclaimIntervalMs: settings.reclaimIntervalMs,
      onError: (err, context) => logger.warn({ err, stage, ...context }, 'stream consumer error'),
      onGroupCreated: ({ recreated }) => {
        if (!recreated) return;
        // Redis lost its data: the sweep schedule, and every entry in flight, are gone.
        logger.warn({ stage }, 'stream group was lost and recreated, republishing from PostgreSQL');
        void this.#recoverFromRedisLoss();
      },
      onLostEntry: ({ entryId, reason }) =>
        logger.warn(
          { stage, entryId, reason },
          'stream entry lost, the sweeper republishes its alert',
        ),
      onDeadLettered: ({ entryId, reason }) =>
        logger.warn({ stage, entryId, reason }, 'stream entry dead-lettered'),
      onReclaimed: ({ count, deleted }) =>
        logger.info({ stage, count, deleted: deleted.length }, 'reclaimed idle stream entries'),
    });
    this.#sweeper = new Sweeper({
      stage,
      db: options.db,
      redis,
      redisUrl: options.redisUrl,
      namespace,
      intervalMs: settings.sweepIntervalMs,
      graceMs: settings.handoffGraceMs,
      limit: settings.sweepLimit,
      logger,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
  }

  /** When the consumer last read or claimed, for the liveness metric and readiness. */
  get lastReadAt(): number | undefined {
    return this.#consumer.lastReadAt;
  }

  async start(): Promise<void> {
    const { settings, metrics, stage } = this.#options;
    await this.#sweeper.start();
    // A replica that starts may be the first after an outage: look for strays at once.
    await this.#sweeper.sweepOnce();
    this.#consumer.start(async (entries) => {
      const end = metrics?.batchSeconds.startTimer({ stage });
      try {
        return await handleBatch(
          {
            ...this.#options,
            claimTimeoutMs: settings.claimTimeoutMs,
            handlerTimeoutMs: settings.handlerTimeoutMs,
            maxDeliveries: settings.maxDeliveries,
            maxAttempts: settings.maxAttempts,
            retryBaseMs: settings.retryBaseMs,
            retryMaxMs: settings.retryMaxMs,
            signal: this.#abort.signal,
            ...this.#options.faults,
          },
          entries,
        );
      } finally {
        end?.();
      }
    });
  }

  async #recoverFromRedisLoss(): Promise<void> {
    try {
      await this.#sweeper.reschedule();
      await this.#sweeper.sweepOnce(0);
    } catch (err) {
      this.#options.logger.error(
        { err, stage: this.#options.stage },
        'recovery after Redis data loss failed',
      );
    }
  }

  /**
   * Stops reading, lets the batch in hand finish (its calls see the abort signal and
   * report retry), then stops the sweeper and the handler. Idempotent.
   */
  stop(): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort();
      await this.#consumer.stop();
      await this.#sweeper.stop();
      await this.#options.handler.close?.();
    })();
    return this.#closing;
  }
}
