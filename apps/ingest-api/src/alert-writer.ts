import type { Redis } from 'ioredis';
import { insertAlerts, type Actor, type Database, type NewAlert, type StoredAlertRef } from '@herald/db';
import { StoreUnavailableError } from './errors.ts';
import { handOnToEnrich, type Unpublished } from './hand-on.ts';

/** What became of one request's alerts: a ref per alert in order, and any failed hand-on. */
export interface WriteResult {
  refs: StoredAlertRef[];
  unpublished?: Unpublished;
}

export interface AlertWriterOptions {
  db: Pick<Database, 'pool'>;
  redis: Redis;
  /** The enrich stream's key. */
  stream: string;
  actor: Actor;
  /** Writes (one insert and one publish each) in flight at once; further requests queue. */
  maxConcurrentWrites?: number;
  /** The most alerts one write gathers from queued requests (a larger request goes alone). */
  maxGroupAlerts?: number;
  /** Told the size of every write, for the group-size metric. */
  onWrite?: (alerts: number, requests: number) => void;
}

interface QueuedRequest {
  alerts: readonly NewAlert[];
  resolve: (result: WriteResult) => void;
  reject: (err: unknown) => void;
}

const DEFAULTS = { maxConcurrentWrites: 4, maxGroupAlerts: 1_000 };

/**
 * Stores the alerts of concurrent requests together: one insert (one commit, one WAL
 * flush) and one publish for every request that arrived while earlier writes were in
 * flight. Nothing waits on a timer: with fewer than `maxConcurrentWrites` writes running
 * a request is written at once, so a quiet system answers as fast as before, and a busy
 * one commits many requests at a time instead of one.
 *
 * Each request is answered only after the write that holds its alerts committed. When a
 * shared write fails, each of its requests is written again on its own, so one request
 * the database refuses cannot fail the others.
 */
export class AlertWriter {
  readonly #options: AlertWriterOptions & typeof DEFAULTS;
  readonly #queue: QueuedRequest[] = [];
  #running = 0;

  constructor(options: AlertWriterOptions) {
    this.#options = { ...DEFAULTS, ...options };
  }

  /**
   * Stores `alerts` (idempotent on identity) and hands the new ones to the enrich stream.
   * Rejects with StoreUnavailableError when the insert failed: none of them was stored.
   */
  write(alerts: readonly NewAlert[]): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ alerts, resolve, reject });
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#running < this.#options.maxConcurrentWrites && this.#queue.length > 0) {
      const group = this.#takeGroup();
      this.#running += 1;
      void this.#writeGroup(group).finally(() => {
        this.#running -= 1;
        this.#drain();
      });
    }
  }

  /** The queued requests one write takes, oldest first, up to the group bound. */
  #takeGroup(): QueuedRequest[] {
    const group = [this.#queue.shift()!];
    let size = group[0]!.alerts.length;
    while (this.#queue.length > 0 && size + this.#queue[0]!.alerts.length <= this.#options.maxGroupAlerts) {
      const next = this.#queue.shift()!;
      size += next.alerts.length;
      group.push(next);
    }
    return group;
  }

  async #writeGroup(group: readonly QueuedRequest[]): Promise<void> {
    const alerts = group.flatMap((request) => request.alerts);
    this.#options.onWrite?.(alerts.length, group.length);
    let refs: StoredAlertRef[];
    try {
      refs = await insertAlerts(this.#options.db, alerts, this.#options.actor);
    } catch (err) {
      if (group.length > 1) {
        await Promise.all(group.map((request) => this.#writeGroup([request])));
        return;
      }
      // One statement: it committed whole or not at all. Every failure is answered as
      // retryable, since a retry of an idempotent insert can never store an alert twice.
      group[0]!.reject(
        new StoreUnavailableError('the database is unavailable; nothing was stored, retry later', {
          cause: err,
        }),
      );
      return;
    }

    const created = refs.filter((ref) => ref.created).map((ref) => ref.id);
    const unpublished = await handOnToEnrich(this.#options.redis, this.#options.stream, created);
    let offset = 0;
    for (const request of group) {
      const own = refs.slice(offset, offset + request.alerts.length);
      offset += request.alerts.length;
      const ownCreated = own.filter((ref) => ref.created).length;
      request.resolve(
        unpublished && ownCreated > 0
          ? { refs: own, unpublished: { count: ownCreated, err: unpublished.err } }
          : { refs: own },
      );
    }
  }
}
