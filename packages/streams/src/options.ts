import type { Redis } from 'ioredis';

/** Which consumer step failed, passed to `onError`. */
export type ConsumerOperation =
  'connect' | 'group' | 'read' | 'reclaim' | 'handle' | 'settle' | 'lost-entry' | 'trim' | 'hook';

/** Where a batch handed to the handler came from. */
export type ReadSource = 'backlog' | 'new' | 'reclaimed';

/**
 * Typed events instead of logging: the app wires them to its logger and metrics. A hook
 * that throws is reported through `onError` with operation `hook` and never stops the loop.
 */
export interface ConsumerHooks {
  /** Something failed; the consumer keeps going (with backoff where Redis is involved). */
  onError?: (err: unknown, context: { operation: ConsumerOperation }) => void;
  /**
   * One reclaim run moved idle entries of any consumer to this one (`count`), and found
   * `deleted`: ids that were pending but whose data is gone, which Redis >= 7 has already
   * dropped from the PEL. Fires only when either is non-empty.
   */
  onReclaimed?: (event: { count: number; deleted: readonly string[] }) => void;
  /** This consumer created the group: at start, or again after it vanished (`recreated`). */
  onGroupCreated?: (event: { recreated: boolean }) => void;
  /**
   * An entry's data is gone (trimmed or deleted while pending, R-17) or cannot be decoded.
   * It was acknowledged (or already dropped by Redis); the caller re-publishes the alert
   * from PostgreSQL.
   */
  onLostEntry?: (event: { entryId: string; reason: 'deleted' | 'undecodable' }) => void;
  /** An entry was copied to the dead-letter stream and acknowledged in the source. */
  onDeadLettered?: (event: { entryId: string; reason: string; deadLetterId: string }) => void;
  /** A read or claim returned entries (not fired for empty reads). */
  onRead?: (event: { count: number; source: ReadSource }) => void;
}

/** Options of {@link StreamConsumer}; every duration is in milliseconds. */
export interface StreamConsumerOptions extends ConsumerHooks {
  /**
   * Client for the non-blocking commands (ack, claim, group, trim). The consumer never
   * blocks it: blocking reads run on a duplicate of it.
   */
  redis: Redis;
  stream: string;
  group: string;
  /** Unique among live processes; also names the read connection in CLIENT LIST. */
  consumer: string;
  /** Must share the hash tag of `stream`, so dead-lettering is one atomic script. */
  deadLetterStream: string;
  /** Entries per read and per claim (COUNT). */
  batchSize?: number;
  /** Server-side wait of one blocking read (BLOCK); never 0, which would wait forever. */
  blockMs?: number;
  /**
   * When a read brings less than half a batch, how long to wait once for more before
   * handing it over; 0 hands small batches over at once. Under moderate load this trades a
   * few milliseconds of latency for fuller batches, whose per-batch cost (a claim and a
   * commit in PostgreSQL) is shared by more alerts.
   */
  readLingerMs?: number;
  /**
   * How long an entry must have been idle before another consumer may take it
   * (XAUTOCLAIM min-idle). Must exceed the longest legitimate handler run.
   */
  reclaimIdleMs?: number;
  /** How often to look for idle entries to reclaim. */
  reclaimIntervalMs?: number;
  /** Extra time a blocking read gets past `blockMs` before the watchdog abandons it. */
  watchdogGraceMs?: number;
  /** How often to trim the stream behind its oldest pending entry; 0 turns it off. */
  trimIntervalMs?: number;
  /** First delay after a failed read, claim or group command; doubles up to the max. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Clock for `lastReadAt` and schedules; injectable for tests. */
  now?: () => number;
  /** Source of backoff jitter in [0, 1). */
  random?: () => number;
}

export type ResolvedConsumerOptions = Required<Omit<StreamConsumerOptions, keyof ConsumerHooks>> &
  ConsumerHooks;

export const CONSUMER_DEFAULTS = {
  batchSize: 32,
  blockMs: 5_000, // 5 s
  readLingerMs: 0,
  // 60 s: above the slowest stage call (LLM and SMTP time out well before that).
  reclaimIdleMs: 60_000,
  reclaimIntervalMs: 15_000, // 15 s
  // 5 s: Redis may answer a woken-but-empty BLOCK several seconds late.
  watchdogGraceMs: 5_000,
  trimIntervalMs: 60_000, // 1 min
  backoffMinMs: 100,
  backoffMaxMs: 5_000, // 5 s
} as const;

function requireName(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${name} must be a non-empty string, got ${String(value)}`);
  }
}

function requireInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** The text Redis Cluster hashes: between the first `{` and the next `}`, if non-empty. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** Merges defaults over the caller's options and rejects values that cannot work. */
export function resolveConsumerOptions(options: StreamConsumerOptions): ResolvedConsumerOptions {
  const resolved = {
    ...CONSUMER_DEFAULTS,
    now: Date.now,
    random: Math.random,
    ...options,
  };

  if (typeof resolved.redis !== 'object' || resolved.redis === null) {
    throw new TypeError(`redis must be an ioredis client, got ${String(resolved.redis)}`);
  }
  requireName('stream', resolved.stream);
  requireName('group', resolved.group);
  requireName('consumer', resolved.consumer);
  requireName('deadLetterStream', resolved.deadLetterStream);
  // The consumer name also names the read connection, and CLIENT SETNAME rejects spaces.
  if (/\s/.test(resolved.consumer)) {
    throw new RangeError(`consumer must not contain whitespace, got ${resolved.consumer}`);
  }
  if (hashTag(resolved.deadLetterStream) !== hashTag(resolved.stream)) {
    throw new RangeError(
      `deadLetterStream must share the hash tag of ${resolved.stream}, got ${resolved.deadLetterStream}`,
    );
  }
  requireInt('batchSize', resolved.batchSize, 1);
  requireInt('blockMs', resolved.blockMs, 1);
  requireInt('reclaimIdleMs', resolved.reclaimIdleMs, 1);
  requireInt('reclaimIntervalMs', resolved.reclaimIntervalMs, 1);
  // 0 would abandon every read that answers on time but not instantly.
  requireInt('watchdogGraceMs', resolved.watchdogGraceMs, 1);
  requireInt('trimIntervalMs', resolved.trimIntervalMs, 0);
  requireInt('readLingerMs', resolved.readLingerMs, 0);
  requireInt('backoffMinMs', resolved.backoffMinMs, 1);
  requireInt('backoffMaxMs', resolved.backoffMaxMs, resolved.backoffMinMs);
  return resolved;
}
