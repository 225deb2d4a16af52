import type { ClaimedAlert } from '@herald/db';
import type { Redis } from 'ioredis';
import type { Repetition } from './score.ts';

export interface RepetitionCounterOptions {
  redis: Redis;
  /** The install's key namespace (HERALD_REDIS_NAMESPACE). */
  namespace: string;
  /** How far back a firing still counts, ms. */
  windowMs: number;
  /** Epoch ms. */
  now?: () => number;
}

/** Firings kept per rule and machine; past it the count reads "at least this many". */
const MAX_KEPT_FIRINGS = 10_000;

function part(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number'
    ? encodeURIComponent(String(value)).slice(0, 100)
    : '-';
}

/** The rule and machine an alert body is about, read without trusting its shape. */
function subjectOf(body: unknown): string {
  const alert = (body ?? {}) as {
    rule?: { id?: unknown };
    agent?: { id?: unknown; name?: unknown };
    agentless?: { host?: unknown };
  };
  const machine = alert.agent?.id ?? alert.agent?.name ?? alert.agentless?.host;
  return `${part(alert.rule?.id)}:${part(machine)}`;
}

/**
 * Counts how often the same rule fired on the same machine over a sliding window, shared
 * by every analyzer replica: one sorted set per rule and machine in Redis, one member per
 * alert id scored by when the analyzer first saw it. Counting by alert id makes a retried
 * batch count each alert once; the window is trimmed on every write and the key expires
 * once a window passes without firings.
 */
export class RepetitionCounter {
  readonly windowMs: number;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly now: () => number;

  constructor(options: RepetitionCounterOptions) {
    if (!Number.isInteger(options.windowMs) || options.windowMs <= 0) {
      throw new RangeError(`windowMs must be a whole number above 0, got ${options.windowMs}`);
    }
    this.redis = options.redis;
    this.prefix = `{${options.namespace}}:repeat`;
    this.windowMs = options.windowMs;
    this.now = options.now ?? Date.now;
  }

  /**
   * Records the batch's alerts and returns, per alert id, the firings of its rule on its
   * machine within the window, itself and earlier alerts of the batch included. One
   * pipelined round trip for the whole batch.
   */
  async record(alerts: readonly ClaimedAlert[]): Promise<Map<string, Repetition>> {
    const nowMs = this.now();
    const pipeline = this.redis.pipeline();
    for (const claimed of alerts) {
      const key = `${this.prefix}:${subjectOf(claimed.body)}`;
      pipeline
        .zadd(key, 'NX', nowMs, claimed.id)
        .zremrangebyscore(key, '-inf', nowMs - this.windowMs)
        .zremrangebyrank(key, 0, -(MAX_KEPT_FIRINGS + 1))
        .zcard(key)
        .pexpire(key, this.windowMs);
    }
    const replies = (await pipeline.exec()) ?? [];

    const counts = new Map<string, Repetition>();
    alerts.forEach((claimed, index) => {
      const [err, count] = replies[index * 5 + 3] ?? [new Error('no reply'), 0];
      if (err) {
        throw err;
      }
      counts.set(claimed.id, { count: Number(count), windowMs: this.windowMs });
    });
    return counts;
  }
}
