import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Messages one destination takes per period (a receiver's `rate_limit`). */
export interface RateLimit {
  messages: number;
  perMs: number;
}

/**
 * Decides, for every sender replica at once, whether a destination may take a message
 * now: its own rate limit, and a "not before" a 429's Retry-After set.
 */
export interface DeliveryGate {
  /**
   * 0 when a message may go to `destination` now (one of its rate limit's messages is
   * then spent), else how many ms to wait.
   */
  admit(destination: string, limit: RateLimit | undefined): Promise<number>;
  /** Every replica waits `ms` before its next message to `destination`. */
  holdOff(destination: string, ms: number): Promise<void>;
}

/**
 * The gate in Redis, shared by every replica. The rate limit is rate-limiter-flexible's
 * RateLimiterRedis (an atomic INCR-and-expire script per destination, fixed windows that
 * start with their first message); the "not before" is one key with an expiry (SET PX),
 * read with PTTL. Keys are `{namespace}:sender:...`, so they live with Herald's others.
 */
export class RedisDeliveryGate implements DeliveryGate {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #limiters = new Map<string, RateLimiterRedis>();

  constructor(options: { redis: Redis; namespace: string }) {
    this.#redis = options.redis;
    this.#prefix = `{${options.namespace}}:sender`;
  }

  async admit(destination: string, limit: RateLimit | undefined): Promise<number> {
    const held = await this.#redis.pttl(this.#notBeforeKey(destination));
    if (held > 0) return held;
    if (limit === undefined) return 0;
    try {
      await this.#limiter(limit).consume(destination);
      return 0;
    } catch (err) {
      // The library rejects with its result (not an Error) when no message is left.
      if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext);
      throw err;
    }
  }

  async holdOff(destination: string, ms: number): Promise<void> {
    if (ms <= 0) return;
    // The latest 429 is the provider's latest word: it replaces an earlier wait.
    await this.#redis.set(this.#notBeforeKey(destination), '1', 'PX', Math.ceil(ms));
  }

  #notBeforeKey(destination: string): string {
    return `${this.#prefix}:not-before:${destination}`;
  }

  #limiter(limit: RateLimit): RateLimiterRedis {
    // The library counts in whole seconds: a period below one rounds up to it.
    const seconds = Math.max(1, Math.ceil(limit.perMs / 1_000));
    const id = `${limit.messages}/${seconds}s`;
    let limiter = this.#limiters.get(id);
    if (limiter === undefined) {
      // The limit is part of the key, so a changed rate_limit starts a fresh window.
      limiter = new RateLimiterRedis({
        storeClient: this.#redis,
        keyPrefix: `${this.#prefix}:rate:${id}`,
        points: limit.messages,
        duration: seconds,
      });
      this.#limiters.set(id, limiter);
    }
    return limiter;
  }
}
