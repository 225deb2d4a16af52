import type { Actor, Database } from '@herald/db';
import { publish, streamKey } from '@herald/streams';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { flushDueGroups, pruneIdleGroups } from './flush.ts';

/** Rounds of `limit` groups one scan may flush, so one scan stays bounded. */
const MAX_ROUNDS = 20;

/** What the flusher reports; the app logs it. */
export interface GroupFlusherHooks {
  onFlushed?(details: { digests: number; idled: number; pruned: number }): void;
  onError?(err: unknown, during: 'flush' | 'schedule' | 'worker'): void;
  /** The schedule was missing from Redis (Redis lost its data) and was put back. */
  onRescheduled?(): void;
}

export interface GroupFlusherOptions {
  db: Pick<Database, 'pool'>;
  /** The command connection, for publishing digests to the format stream. */
  redis: Redis;
  redisUrl: string;
  namespace: string;
  actor: Actor;
  /** How often due groups are looked for: the lateness bound of a digest. */
  scanIntervalMs: number;
  /** How often this replica checks that the schedule still exists in Redis. */
  scheduleCheckMs: number;
  /** Groups flushed per round. */
  limit: number;
  now?: () => Date;
  hooks?: GroupFlusherHooks;
}

/**
 * Fires the group timers. The due times live in PostgreSQL (`alert_groups.flush_due_at`);
 * a BullMQ repeatable scan, run by one replica per interval, flushes the groups that are
 * due and publishes their digests to the format stream. After Redis lost its data the
 * schedule is gone: every replica checks for it every `scheduleCheckMs` and puts it back,
 * and nothing else is lost, since the timers themselves were never in Redis. A digest
 * whose publish is lost is republished by the format stage's sweeper.
 */
export class GroupFlusher {
  readonly #options: GroupFlusherOptions;
  readonly #queueName = 'group-flush';
  #connection: Redis | undefined;
  #queue: Queue | undefined;
  #worker: Worker | undefined;
  #check: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: GroupFlusherOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const { redisUrl, namespace, hooks } = this.#options;
    // BullMQ's workers block on Redis and require retries without limit on their connection.
    this.#connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.#connection.on('error', (err) => hooks?.onError?.(err, 'worker'));
    const prefix = `{${namespace}}:bull`;
    this.#queue = new Queue(this.#queueName, { connection: this.#connection, prefix });
    this.#worker = new Worker(this.#queueName, () => this.flushOnce(), {
      connection: this.#connection,
      prefix,
      concurrency: 1,
    });
    this.#worker.on('error', (err) => hooks?.onError?.(err, 'worker'));
    this.#worker.on('failed', (_job, err) => hooks?.onError?.(err, 'flush'));
    await this.#schedule();
    this.#check = setInterval(() => void this.ensureScheduled(), this.#options.scheduleCheckMs);
    this.#check.unref();
  }

  /** Puts the schedule back if Redis lost it; true when it had to. */
  async ensureScheduled(): Promise<boolean> {
    try {
      if (!this.#queue || this.#closing) return false;
      if (await this.#queue.getJobScheduler(this.#queueName)) return false;
      await this.#schedule();
      this.#options.hooks?.onRescheduled?.();
      return true;
    } catch (err) {
      this.#options.hooks?.onError?.(err, 'schedule');
      return false;
    }
  }

  async #schedule(): Promise<void> {
    await this.#queue?.upsertJobScheduler(
      this.#queueName,
      { every: this.#options.scanIntervalMs },
      { name: 'flush', opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  /**
   * One scan: flushes every due group (bounded), publishes the digests, and forgets up to
   * `limit` groups idle for longer than their repeat interval.
   */
  async flushOnce(): Promise<number> {
    const { db, redis, namespace, actor, limit, hooks } = this.#options;
    const now = this.#options.now ?? (() => new Date());
    let digests = 0;
    let idled = 0;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const outcome = await flushDueGroups(db, { now: now(), limit, actor });
      // After the commit: a digest whose publish is lost waits in `analyzed` for the
      // format stage's sweeper.
      await publish(
        redis,
        streamKey(namespace, 'format'),
        outcome.digests.map((alertId) => ({ alertId, attempt: 0 })),
      );
      digests += outcome.digests.length;
      idled += outcome.idled;
      if (outcome.digests.length + outcome.idled < limit) break;
    }
    const pruned = await pruneIdleGroups(db, { now: now(), limit });
    if (digests + idled + pruned > 0) hooks?.onFlushed?.({ digests, idled, pruned });
    return digests;
  }

  /** Stops the scan worker; the schedule stays in Redis for the other replicas. */
  stop(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#check);
      await this.#worker?.close();
      await this.#queue?.close();
      this.#connection?.disconnect();
    })();
    return this.#closing;
  }
}
