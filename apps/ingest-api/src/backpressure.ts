import type { Logger } from '@herald/runtime';
import { STAGE_STREAMS, groupName, streamKey } from '@herald/streams';

/** The commands one lag reading queues; a Redis client's pipeline has them. */
export interface LagPipeline {
  xinfo(subcommand: 'GROUPS', key: string): LagPipeline;
  xlen(key: string): LagPipeline;
  exec(): Promise<[error: Error | null, result: unknown][] | null>;
}

/** Where the lag is read from: a Redis client fits. */
export interface LagSource {
  pipeline(): LagPipeline;
}

/** A stage's stream and the consumer group that works it. */
export interface StageQueue {
  stream: string;
  group: string;
}

/** Every stage's stream and group of the install under `namespace`, in pipeline order. */
export function pipelineQueues(namespace: string): StageQueue[] {
  return STAGE_STREAMS.map((stage) => ({
    stream: streamKey(namespace, stage),
    group: groupName(stage),
  }));
}

/** What bounds the work ingest takes on while the pipeline is behind. */
export interface BackpressureOptions {
  redis: LagSource;
  /** The queues whose lags are summed: every stage's, so a slow later stage counts too. */
  streams: readonly StageQueue[];
  /** Entries all groups together may lag behind before posts are refused; 0 never refuses. */
  maxLag: number;
  /** How long one lag reading is used before the next is taken. */
  checkIntervalMs: number;
  logger: Logger;
  /** Told each summed lag read, for the gauge. */
  onLag?: (lag: number) => void;
  now?: () => number;
}

/** Whether a post may be taken now: a refusal names the summed lag that caused it. */
export type BackpressureVerdict = { refuse: false } | { refuse: true; lag: number; maxLag: number };

/** Answers whether ingest should refuse new work, from a cached reading of the pipeline's lag. */
export interface BackpressureGate {
  check(): Promise<BackpressureVerdict>;
}

/** The `lag` of `group` in an XINFO GROUPS reply: a number, null when Redis cannot tell, undefined when the group is missing. */
function groupLag(reply: unknown, group: string): number | null | undefined {
  if (!Array.isArray(reply)) return undefined;
  for (const fields of reply) {
    if (!Array.isArray(fields)) continue;
    const info = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i], fields[i + 1]);
    if (info.get('name') !== group) continue;
    const lag = info.get('lag');
    // Redis 7 reports nil when it cannot compute the lag (entries deleted past the group's
    // position); Redis 6 has no lag field at all.
    return typeof lag === 'number' ? lag : null;
  }
  return undefined;
}

function isNoSuchKey(err: unknown): boolean {
  return err instanceof Error && /no such key/i.test(err.message);
}

type Reply = [error: Error | null, result: unknown];

/** One queue's lag from its XINFO GROUPS and XLEN replies; throws what Redis answered instead. */
function queueLag(groups: Reply, length: Reply, group: string): number {
  const [groupsErr, groupsReply] = groups;
  if (groupsErr !== null) {
    if (isNoSuchKey(groupsErr)) return 0; // no stream yet: nothing waits
    throw groupsErr;
  }
  const lag = groupLag(groupsReply, group);
  if (typeof lag === 'number') return lag;
  const [lengthErr, lengthReply] = length;
  if (lengthErr !== null) throw lengthErr;
  if (typeof lengthReply !== 'number') throw new Error(`XLEN answered ${String(lengthReply)}`);
  return lengthReply;
}

const ACCEPT: BackpressureVerdict = { refuse: false };

/**
 * A gate that reads every stage group's lag (XINFO GROUPS; XLEN for a stream whose group
 * cannot tell its lag or does not exist yet) and refuses while their sum passes `maxLag`:
 * the enricher is the cheapest stage, so its lag alone stays low while later stages fall
 * far behind. One reading is one pipeline, taken at most once per `checkIntervalMs`, so
 * most posts cost no Redis round trip; requests arriving while a reading is in flight
 * share it. When Redis cannot be read the gate accepts: PostgreSQL is the record, and
 * refusing alerts because the hand-off is down would lose what the sweeper can still
 * deliver later.
 */
export function createBackpressureGate(options: BackpressureOptions): BackpressureGate {
  const { redis, streams, maxLag, checkIntervalMs, logger, onLag } = options;
  const now = options.now ?? Date.now;
  let lag: number | undefined;
  let readAt = -Infinity;
  let reading: Promise<void> | undefined;

  const readLag = async (): Promise<void> => {
    try {
      // XLEN rides along for every stream, though only a stream without a readable group
      // lag needs it: it is O(1), and it spares a second round trip for the fallback.
      const pipeline = redis.pipeline();
      for (const { stream } of streams) pipeline.xinfo('GROUPS', stream).xlen(stream);
      const replies = (await pipeline.exec()) ?? [];
      const missing: Reply = [new Error('no reply to a lag command'), undefined];
      let total = 0;
      streams.forEach(({ group }, i) => {
        total += queueLag(replies[2 * i] ?? missing, replies[2 * i + 1] ?? missing, group);
      });
      lag = total;
      onLag?.(lag);
    } catch (err) {
      lag = undefined;
      logger.warn({ err }, 'reading the pipeline lag failed; accepting alerts');
    } finally {
      // Also after a failure: a Redis outage costs one failed reading per interval, not one per post.
      readAt = now();
      reading = undefined;
    }
  };

  return {
    async check() {
      if (maxLag === 0) return ACCEPT;
      if (now() - readAt >= checkIntervalMs) {
        reading ??= readLag();
        await reading;
      }
      return lag !== undefined && lag > maxLag ? { refuse: true, lag, maxLag } : ACCEPT;
    },
  };
}
