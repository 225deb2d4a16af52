import { STAGES, sweepStranded, type Database, type StageName } from '@herald/db';
import type { Logger } from '@herald/runtime';
import { groupName, publish, streamKey } from '@herald/streams';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { StageMetrics } from './metrics.ts';

/** Rounds of `limit` alerts one sweep may republish, so one sweep stays bounded. */
const MAX_ROUNDS = 20;

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
    this.#connection.on('error', (err) => this.#options.logger.debug({ err }, 'sweeper redis connection error'));
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
    // After a data loss (grace 0) nothing published survived; otherwise an alert whose
    // entry still waits unread in the backlog is not stranded, only late.
    const deliveredThrough = graceMs === 0 ? undefined : await this.#deliveredThrough(stream);
    let total = 0;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      // resweepAfterMs keeps this loop from picking the same alert twice in one sweep.
      const stranded = await sweepStranded(db.pool, STAGES[stage], {
        graceMs,
        resweepAfterMs: Math.max(this.#options.graceMs, this.#options.intervalMs),
        limit,
        deliveredThrough,
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

  /**
   * The time up to which the stage's group has read its stream, from XINFO GROUPS: the
   * stream ids are publish times. Undefined when the group has no lag (everything
   * published was read) or does not exist (Redis lost it: nothing waits unread).
   */
  async #deliveredThrough(stream: string): Promise<Date | undefined> {
    const group = groupName(this.#options.stage);
    let groups: unknown[];
    try {
      groups = (await this.#options.redis.call('XINFO', 'GROUPS', stream)) as unknown[];
    } catch {
      return undefined;
    }
    for (const entry of groups) {
      const fields = entry as unknown[];
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]);
      if (info.get('name') !== group) continue;
      if (info.get('lag') === 0) return undefined;
      const lastDelivered = String(info.get('last-delivered-id') ?? '0-0');
      // A second of slack for clocks: PostgreSQL's and Redis's need not agree exactly.
      return new Date(Number(lastDelivered.split('-')[0]) - 1_000);
    }
    return undefined;
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
