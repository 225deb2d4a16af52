import { STAGES, sweepStranded, type Database, type StageName } from '@herald/db';
import type { Logger } from '@herald/runtime';
import { publish, streamKey } from '@herald/streams';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { StageMetrics } from './metrics.ts';

export interface SweeperOptions {
  stage: StageName;
  db: Database;
  /** The command connection, for publishing and trimming. */
  redis: Redis;
  redisUrl: string;
  namespace: string;
  intervalMs: number;
  graceMs: number;
  limit: number;
  logger: Logger;
  metrics?: StageMetrics;
}

/**
 * Republishes alerts stranded before this stage: the publish after a commit was lost to a
 * crash, or to a Redis that lost its data. (The stream consumer trims the stream.) PostgreSQL is the
 * system of record, so this is how work that Redis forgot comes back.
 *
 * The sweep is a BullMQ repeatable job, so one replica of the stage runs it per interval
 * rather than every replica on its own timer. BullMQ's schedule lives in Redis: after
 * Redis lost its data, `reschedule()` puts it back (the stream consumer notices first).
 */
export class Sweeper {
  readonly #options: SweeperOptions;
  readonly #queueName: string;
  #connection: Redis | undefined;
  #queue: Queue | undefined;
  #worker: Worker | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: SweeperOptions) {
    this.#options = options;
    this.#queueName = `sweep-${options.stage}`;
  }

  async start(): Promise<void> {
    const { redisUrl, namespace } = this.#options;
    // BullMQ's workers block on Redis and require retries without limit on their connection.
    this.#connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const prefix = `{${namespace}}:bull`;
    this.#queue = new Queue(this.#queueName, { connection: this.#connection, prefix });
    this.#worker = new Worker(this.#queueName, () => this.sweepOnce(), {
      connection: this.#connection,
      prefix,
      concurrency: 1,
    });
    this.#worker.on('error', (err) => this.#options.logger.warn({ err, stage: this.#options.stage }, 'sweeper worker error'));
    this.#worker.on('failed', (_job, err) => this.#options.logger.warn({ err, stage: this.#options.stage }, 'sweep failed'));
    await this.reschedule();
  }

  /** (Re)creates the repeatable sweep; idempotent. */
  async reschedule(): Promise<void> {
    await this.#queue?.upsertJobScheduler(
      this.#queueName,
      { every: this.#options.intervalMs },
      { name: 'sweep', opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  /**
   * One sweep. `graceMs` overrides the configured grace: after Redis lost everything,
   * nothing in flight survived, so every stranded alert is republished at once.
   */
  async sweepOnce(graceMs: number = this.#options.graceMs): Promise<number> {
    const { stage, db, redis, namespace, limit, logger, metrics } = this.#options;
    const stream = streamKey(namespace, stage);
    let total = 0;
    for (;;) {
      // resweepAfterMs keeps this loop from picking the same alert twice in one sweep.
      const stranded = await sweepStranded(db.pool, STAGES[stage], {
        graceMs,
        resweepAfterMs: Math.max(this.#options.graceMs, this.#options.intervalMs),
        limit,
      });
      if (stranded.length === 0) break;
      await publish(
        redis,
        stream,
        stranded.map((alert) => ({ alertId: alert.id, attempt: alert.attempt })),
      );
      total += stranded.length;
      if (stranded.length < limit) break;
    }
    if (total > 0) {
      metrics?.swept.inc({ stage }, total);
      logger.info({ stage, alerts: total }, 'republished stranded alerts');
    }
    return total;
  }

  /** Stops the sweep worker; the schedule stays in Redis for the other replicas. */
  stop(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#worker?.close();
      await this.#queue?.close();
      this.#connection?.disconnect();
    })();
    return this.#closing;
  }
}
