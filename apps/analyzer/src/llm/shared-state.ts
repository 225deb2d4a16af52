import type { Redis } from 'ioredis';
import { LlmAnswerSchema, type LlmText } from './answer.ts';

/** Settings of the state replicas share about the model. */
export interface LlmSharedStateOptions {
  redis: Redis;
  /** The install's key namespace (HERALD_REDIS_NAMESPACE). */
  namespace: string;
  /** Model calls allowed per clock hour, all replicas together. */
  hourlyBudget: number;
  /** How long a written text is reused, ms. */
  cacheTtlMs: number;
  /** Epoch ms. */
  now?: () => number;
}

const HOUR_MS = 3_600_000;

/**
 * What every analyzer replica must agree on: the calls spent this hour (one counter per
 * clock hour, so N replicas share one budget), texts already written (reused for the same
 * rule, family and facts until their TTL), and a pause an endpoint asked for with 429.
 */
export class LlmSharedState {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly hourlyBudget: number;
  private readonly cacheTtlMs: number;
  private readonly now: () => number;

  constructor(options: LlmSharedStateOptions) {
    if (!Number.isInteger(options.hourlyBudget) || options.hourlyBudget < 0) {
      throw new RangeError(`hourlyBudget must be a whole number >= 0, got ${options.hourlyBudget}`);
    }
    if (!Number.isInteger(options.cacheTtlMs) || options.cacheTtlMs <= 0) {
      throw new RangeError(`cacheTtlMs must be a whole number above 0, got ${options.cacheTtlMs}`);
    }
    this.redis = options.redis;
    this.prefix = `{${options.namespace}}:llm`;
    this.hourlyBudget = options.hourlyBudget;
    this.cacheTtlMs = options.cacheTtlMs;
    this.now = options.now ?? Date.now;
  }

  /**
   * Takes one call from this hour's budget; false when it is spent. A call refused here is
   * still counted, which is harmless: the counter only decides whether the budget is spent.
   */
  async reserveCall(): Promise<boolean> {
    if (this.hourlyBudget === 0) {
      return false;
    }
    const hour = Math.floor(this.now() / HOUR_MS);
    const key = `${this.prefix}:calls:${hour}`;
    const [[, used]] = (await this.redis
      .multi()
      .incr(key)
      // Kept past its hour so a replica whose clock runs a little behind still sees it.
      .pexpire(key, 2 * HOUR_MS)
      .exec()) as [[Error | null, number]];
    return used <= this.hourlyBudget;
  }

  /** True while an endpoint's Retry-After holds. */
  async isPaused(): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}:pause`)) === 1;
  }

  /** Holds every replica's calls for `ms` (a 429's Retry-After). */
  async pause(ms: number): Promise<void> {
    await this.redis.set(`${this.prefix}:pause`, '1', 'PX', Math.max(1, Math.ceil(ms)));
  }

  /** A text written before for the same key, if it is still valid. */
  async cachedText(key: string): Promise<LlmText | undefined> {
    const stored = await this.redis.get(`${this.prefix}:text:${key}`);
    if (stored === null) {
      return undefined;
    }
    try {
      const parsed = LlmAnswerSchema.safeParse(JSON.parse(stored));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  async storeText(key: string, text: LlmText): Promise<void> {
    await this.redis.set(`${this.prefix}:text:${key}`, JSON.stringify(text), 'PX', this.cacheTtlMs);
  }
}
