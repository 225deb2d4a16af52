import { backoffDelayMs, sleep } from './backoff.ts';
import {
  GroupMissingError,
  HandlerFailedError,
  SettleFailedError,
  isGroupGoneReply,
} from './errors.ts';
import { sortEntries, withDeliveries, type LostEntry } from './entries.ts';
import {
  resolveConsumerOptions,
  type ConsumerHooks,
  type ConsumerOperation,
  type ReadSource,
  type ResolvedConsumerOptions,
  type StreamConsumerOptions,
} from './options.ts';
import { ReadConnection } from './read-connection.ts';
import { parseAutoClaimReply, parseReadReply, type RawEntry } from './replies.ts';
import {
  outcomeProblem,
  settleBatch,
  type BatchHandler,
  type ConsumedEntry,
  type EntryOutcome,
} from './settle.ts';
import { trimStream } from './trim.ts';

/**
 * Where the next read starts: this consumer's own pending entries after `cursor` (the
 * backlog a restart under the same name left behind, R-02), or new entries.
 */
type ReadPhase = { kind: 'backlog'; cursor: string } | { kind: 'new' };

type HookEvent<K extends Exclude<keyof ConsumerHooks, 'onError'>> = Parameters<
  NonNullable<ConsumerHooks[K]>
>[0];

/**
 * One process's consumer in one stage's consumer group. It drains its own backlog, then
 * reads new entries with a blocking read on a connection of its own, reclaims entries
 * that sat idle on any consumer, hands each batch to the handler and acknowledges or
 * dead-letters entries only after the handler resolved. Redis failures are reported
 * through `onError` and retried with jittered backoff; the loop never stops on its own.
 */
export class StreamConsumer {
  readonly #options: ResolvedConsumerOptions;
  readonly #abort = new AbortController();
  #reader: ReadConnection | undefined;
  #phase: ReadPhase = { kind: 'backlog', cursor: '0' };
  #loop: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #lastReadAt: number | undefined;
  #failures = 0;
  #nextReclaimAt = 0;
  #nextTrimAt = 0;

  constructor(options: StreamConsumerOptions) {
    this.#options = resolveConsumerOptions(options);
  }

  /**
   * Epoch ms of the last read or claim Redis answered (an empty answer counts: the
   * connection works). Undefined before the first. A liveness check alerts when it lags
   * far behind `blockMs`.
   */
  get lastReadAt(): number | undefined {
    return this.#lastReadAt;
  }

  /**
   * Starts consuming. Resolves once the consumer group exists (after retrying with
   * backoff while Redis is unreachable) or the consumer is stopped; rejects only when
   * the consumer was already started or stopped.
   */
  start(handler: BatchHandler): Promise<void> {
    if (this.#stopping) return Promise.reject(new Error('a stopped consumer cannot start again'));
    if (this.#loop) return Promise.reject(new Error('the consumer is already started'));

    const { promise: ready, resolve: markReady } = Promise.withResolvers<void>();
    this.#reader = new ReadConnection({
      source: this.#options.redis,
      connectionName: `${this.#options.consumer}:read`,
      stream: this.#options.stream,
      watchdogGraceMs: this.#options.watchdogGraceMs,
      onConnectionError: (err) => this.#report(err, 'connect'),
    });
    this.#loop = this.#run(handler, markReady).finally(markReady);
    return ready;
  }

  /**
   * Stops reading, waits for the batch in the handler to finish and be settled, and
   * closes the read connection. Idempotent: every call returns the same promise.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  async #shutdown(): Promise<void> {
    // Abort first: it wakes a blocked read and any backoff sleep at once. Closing the
    // read connection right away also ends the BLOCK on the server, so it cannot pull
    // entries into our PEL after we stopped listening. Acks go over the caller's client,
    // which stays open, so the batch in flight still settles before the loop returns.
    this.#abort.abort();
    this.#reader?.close();
    await this.#loop;
  }

  async #run(handler: BatchHandler, markReady: () => void): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted && !(await this.#createGroup(false))) {
      await this.#backoff();
    }
    markReady();

    const now = this.#options.now();
    this.#nextReclaimAt = now;
    this.#nextTrimAt = now + this.#options.trimIntervalMs;
    while (!signal.aborted) {
      try {
        await this.#step(handler);
      } catch (err) {
        // Every expected failure is handled where it happens; this keeps an unexpected one
        // from ending the loop silently while the process still looks alive.
        this.#report(err, 'read');
        await this.#backoff();
      }
    }
  }

  async #step(handler: BatchHandler): Promise<void> {
    const phase = this.#phase;
    switch (phase.kind) {
      case 'backlog':
        return this.#readBacklog(phase.cursor, handler);
      case 'new': {
        const now = this.#options.now();
        if (now >= this.#nextReclaimAt) {
          await this.#reclaim(handler);
          this.#nextReclaimAt = this.#options.now() + this.#options.reclaimIntervalMs;
          return;
        }
        if (this.#options.trimIntervalMs > 0 && now >= this.#nextTrimAt) {
          await this.#trim();
          this.#nextTrimAt = this.#options.now() + this.#options.trimIntervalMs;
          return;
        }
        return this.#readNew(handler);
      }
      default: {
        const unknown: never = phase;
        throw new TypeError(`unknown read phase ${JSON.stringify(unknown)}`);
      }
    }
  }

  async #readBacklog(cursor: string, handler: BatchHandler): Promise<void> {
    const entries = await this.#read(cursor, 0);
    if (entries === undefined) return;
    if (entries.length === 0) {
      this.#phase = { kind: 'new' };
      return;
    }
    // Follow the cursor: entries the handler leaves pending (retry) would otherwise come
    // back on every read from 0 and the drain would never end.
    this.#phase = { kind: 'backlog', cursor: entries.at(-1)!.entryId };
    await this.#deliver(entries, 'backlog', handler);
  }

  async #readNew(handler: BatchHandler): Promise<void> {
    // Block no longer than the next reclaim or trim is due, so those run on time.
    const nextDueAt = Math.min(
      this.#nextReclaimAt,
      this.#options.trimIntervalMs > 0 ? this.#nextTrimAt : Infinity,
    );
    const untilDue = nextDueAt - this.#options.now();
    const blockMs = Math.max(1, Math.min(this.#options.blockMs, untilDue));
    const entries = await this.#read('>', blockMs);
    if (entries === undefined || entries.length === 0) return;
    const { batchSize, readLingerMs } = this.#options;
    if (readLingerMs > 0 && entries.length < batchSize / 2) {
      // Once, and never past a stop: the entries already read are ours to hand over.
      await sleep(readLingerMs, this.#abort.signal);
      const more = await this.#read('>', 0, batchSize - entries.length);
      if (more) entries.push(...more);
    }
    await this.#deliver(entries, 'new', handler);
  }

  /** One XREADGROUP; undefined when it failed (reported, backed off) or was aborted. */
  async #read(
    id: string,
    blockMs: number,
    count = this.#options.batchSize,
  ): Promise<RawEntry[] | undefined> {
    const { group, consumer, stream } = this.#options;
    const signal = this.#abort.signal;
    if (signal.aborted || !this.#reader) return undefined;
    const block = blockMs > 0 ? ['BLOCK', blockMs] : [];
    const args = ['GROUP', group, consumer, 'COUNT', count, ...block, 'STREAMS', stream, id];
    try {
      const result = await this.#reader.read(args, blockMs, signal);
      if (result.kind === 'aborted') return undefined;
      this.#succeeded();
      return parseReadReply(result.reply, stream);
    } catch (err) {
      await this.#failed(err, 'read');
      return undefined;
    }
  }

  /**
   * Claims entries idle longer than `reclaimIdleMs` on any consumer (dead ones, and this
   * one's own retries), following the XAUTOCLAIM cursor to the end of the PEL.
   */
  async #reclaim(handler: BatchHandler): Promise<void> {
    const { redis, stream, group, consumer, reclaimIdleMs, batchSize } = this.#options;
    let cursor = '0-0';
    let count = 0;
    const deleted: string[] = [];
    try {
      do {
        let raw: unknown;
        try {
          raw = await redis.xautoclaim(
            stream,
            group,
            consumer,
            reclaimIdleMs,
            cursor,
            'COUNT',
            batchSize,
          );
        } catch (err) {
          await this.#failed(err, 'reclaim');
          return;
        }
        this.#succeeded();
        const reply = parseAutoClaimReply(raw);
        cursor = reply.cursor;
        count += reply.entries.length;
        deleted.push(...reply.deleted);
        // Redis already dropped these from the PEL; only the caller can bring them back.
        for (const entryId of reply.deleted)
          this.#emit('onLostEntry', { entryId, reason: 'deleted' });
        if (reply.entries.length > 0) await this.#deliver(reply.entries, 'reclaimed', handler);
      } while (cursor !== '0-0' && !this.#abort.signal.aborted);
    } finally {
      if (count > 0 || deleted.length > 0) this.#emit('onReclaimed', { count, deleted });
    }
  }

  async #trim(): Promise<void> {
    try {
      await trimStream(this.#options.redis, this.#options.stream);
    } catch (err) {
      this.#report(err, 'trim');
    }
  }

  /** Hands read or claimed entries to the handler and settles its outcomes. */
  async #deliver(raw: RawEntry[], source: ReadSource, handler: BatchHandler): Promise<void> {
    this.#emit('onRead', { count: raw.length, source });
    const { decoded, lost } = sortEntries(raw);
    if (lost.length > 0) await this.#dropLost(lost);
    if (decoded.length === 0) return;

    let batch: ConsumedEntry[];
    try {
      batch =
        source === 'new'
          ? decoded.map((entry) => ({ ...entry, deliveries: 1 }))
          : await withDeliveries(this.#options.redis, this.#options, decoded);
    } catch (err) {
      this.#report(err, 'read');
      return;
    }
    if (batch.length === 0) return;
    const entryIds = batch.map((entry) => entry.entryId);

    let outcomes: unknown;
    try {
      outcomes = await handler(batch);
    } catch (err) {
      this.#report(
        new HandlerFailedError('batch handler threw', entryIds, { cause: err }),
        'handle',
      );
      return;
    }
    const problem = outcomeProblem(outcomes, batch.length);
    if (problem !== undefined) {
      this.#report(new HandlerFailedError(problem, entryIds), 'handle');
      return;
    }

    const target = this.#options;
    try {
      const result = await settleBatch(target.redis, target, batch, outcomes as EntryOutcome[]);
      for (const { entryIds: failedIds, err } of result.failed) {
        this.#report(new SettleFailedError(target.stream, failedIds, { cause: err }), 'settle');
      }
      for (const event of result.deadLettered) this.#emit('onDeadLettered', event);
    } catch (err) {
      this.#report(new SettleFailedError(target.stream, entryIds, { cause: err }), 'settle');
    }
  }

  /** Acknowledges entries whose data is gone or garbled, then tells the caller. */
  async #dropLost(lost: LostEntry[]): Promise<void> {
    const { redis, stream, group } = this.#options;
    try {
      await redis.xack(stream, group, ...lost.map((entry) => entry.entryId));
    } catch (err) {
      // Still pending: they surface again through reclaim and are reported then.
      this.#report(err, 'lost-entry');
      return;
    }
    for (const entry of lost) this.#emit('onLostEntry', entry);
  }

  /** XGROUP CREATE from 0 with MKSTREAM; true when the group exists afterwards. */
  async #createGroup(recreated: boolean): Promise<boolean> {
    const { redis, stream, group } = this.#options;
    try {
      // From 0, not `$`: after a flush or restart every entry still in the stream is
      // replayed instead of silently skipped; PostgreSQL re-publishes what the flush
      // took.
      await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('BUSYGROUP')) return true;
      this.#report(err, 'group');
      return false;
    }
    this.#emit('onGroupCreated', { recreated });
    return true;
  }

  #succeeded(): void {
    this.#failures = 0;
    this.#lastReadAt = this.#options.now();
  }

  /** Reports a failed read or claim, recreates a vanished group, then backs off. */
  async #failed(err: unknown, operation: 'read' | 'reclaim'): Promise<void> {
    if (isGroupGoneReply(err)) {
      const { stream, group } = this.#options;
      this.#report(new GroupMissingError(stream, group, { cause: err }), operation);
      // The group is never assumed to exist just because it once did. A fresh
      // group holds no pending entries, so there is no backlog left to drain.
      if (await this.#createGroup(true)) this.#phase = { kind: 'new' };
    } else {
      this.#report(err, operation);
    }
    // Back off even after recreating the group: NOGROUP ignores BLOCK and fails at once,
    // so a group that keeps vanishing must not turn this loop into a spin.
    await this.#backoff();
  }

  async #backoff(): Promise<void> {
    this.#failures += 1;
    const { backoffMinMs: minMs, backoffMaxMs: maxMs, random } = this.#options;
    await sleep(backoffDelayMs(this.#failures, { minMs, maxMs }, random), this.#abort.signal);
  }

  #emit<K extends Exclude<keyof ConsumerHooks, 'onError'>>(name: K, event: HookEvent<K>): void {
    const hook = this.#options[name] as ((event: HookEvent<K>) => void) | undefined;
    if (!hook) return;
    try {
      hook(event);
    } catch (err) {
      this.#report(err, 'hook');
    }
  }

  #report(err: unknown, operation: ConsumerOperation): void {
    try {
      this.#options.onError?.(err, { operation });
    } catch {
      // An onError that throws has nowhere left to report to; the loop must go on.
    }
  }
}
