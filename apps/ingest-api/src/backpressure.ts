import type { Logger } from '@herald/runtime';

/** The two Redis commands the lag reading needs; a Redis client has both. */
export interface LagSource {
  xinfo(subcommand: 'GROUPS', key: string): Promise<unknown>;
  xlen(key: string): Promise<number>;
}

/** What bounds the work ingest takes on while the pipeline is behind. */
export interface BackpressureOptions {
  redis: LagSource;
  /** The enrich stream's key, and its consumer group. */
  stream: string;
  group: string;
  /** Entries the group may lag behind before posts are refused; 0 never refuses. */
  maxLag: number;
  /** How long one lag reading is used before the next is taken. */
  checkIntervalMs: number;
  logger: Logger;
  /** Told each lag read, for the gauge. */
  onLag?: (lag: number) => void;
  now?: () => number;
}

/** Whether a post may be taken now: a refusal names the lag that caused it. */
export type BackpressureVerdict = { refuse: false } | { refuse: true; lag: number; maxLag: number };

/** Answers whether ingest should refuse new work, from a cached reading of the enrich lag. */
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

const ACCEPT: BackpressureVerdict = { refuse: false };

/**
 * A gate that reads the enrich group's lag (XINFO GROUPS; XLEN when Redis cannot tell the
 * lag or no group exists yet) at most once per `checkIntervalMs`, so most posts cost no
 * Redis round trip. Requests arriving while a reading is in flight share it. When Redis
 * cannot be read the gate accepts: PostgreSQL is the record, and refusing alerts because
 * the hand-off is down would lose what the sweeper can still deliver later.
 */
export function createBackpressureGate(options: BackpressureOptions): BackpressureGate {
  const { redis, stream, group, maxLag, checkIntervalMs, logger, onLag } = options;
  const now = options.now ?? Date.now;
  let lag: number | undefined;
  let readAt = -Infinity;
  let reading: Promise<void> | undefined;

  const readLag = async (): Promise<void> => {
    try {
      let value: number | null | undefined;
      try {
        value = groupLag(await redis.xinfo('GROUPS', stream), group);
      } catch (err) {
        if (!isNoSuchKey(err)) throw err;
        value = 0; // no stream yet: nothing waits
      }
      lag = value ?? (await redis.xlen(stream));
      onLag?.(lag);
    } catch (err) {
      lag = undefined;
      logger.warn({ err, stream }, 'reading the enrich lag failed; accepting alerts');
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
