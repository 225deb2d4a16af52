import type { BreakerRegistry } from '@herald/breaker';
import type { Logger } from '@herald/runtime';
import {
  pauseChannel,
  publishBreakerStates,
  readPauses,
  withdrawBreakerStates,
  type PublishedBreaker,
} from '@herald/streams';
import type { Redis } from 'ioredis';

export interface BreakerSyncOptions {
  /** The command connection; the sync opens its own for the pause announcements. */
  redis: Redis;
  namespace: string;
  replica: string;
  service: string;
  /**
   * How often the replica publishes its breakers and re-reads the pauses: the bound on how
   * long a pause takes to reach it when it missed the announcement (a dropped connection).
   */
  heartbeatMs: number;
  /** How long published states outlive the replica's last heartbeat; default 3 heartbeats. */
  ttlMs?: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Shares this process's breakers with every other replica through Redis: publishes their
 * states on a heartbeat (and at once on a state change) under a TTL, so a dead replica's
 * states disappear; and applies the operator's pauses to them, announced over pub/sub and
 * re-read on every heartbeat, so a pause reaches every replica within one heartbeat even
 * when an announcement is lost, and survives a restart (the pause lives in Redis).
 */
export class BreakerSync {
  readonly #options: BreakerSyncOptions;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #registries: BreakerRegistry[] = [];
  #subscriber: Redis | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #failing = false;
  #stopped = false;

  constructor(options: BreakerSyncOptions) {
    if (!Number.isInteger(options.heartbeatMs) || options.heartbeatMs < 1) {
      throw new RangeError(`heartbeatMs must be a whole number >= 1, got ${options.heartbeatMs}`);
    }
    this.#options = options;
    this.#ttlMs = options.ttlMs ?? options.heartbeatMs * 3;
    this.#now = options.now ?? Date.now;
  }

  /** Shares `registry`'s breakers from now on (pauses apply to it at the next refresh). */
  track(registry: BreakerRegistry): void {
    this.#registries.push(registry);
  }

  /** A breaker changed state: publish soon, not only at the next heartbeat. */
  changed(): void {
    if (!this.#stopped) void this.refresh();
  }

  /** Subscribes to pause announcements, applies the pauses, publishes, starts the heartbeat. */
  async start(): Promise<void> {
    const { redis, namespace, logger } = this.#options;
    const subscriber = redis.duplicate({ commandTimeout: undefined });
    this.#subscriber = subscriber;
    subscriber.on('error', (err: unknown) =>
      logger.debug({ err }, 'breaker sync subscriber error'),
    );
    subscriber.on('message', () => void this.refresh());
    try {
      await subscriber.subscribe(pauseChannel(namespace));
    } catch (err) {
      // ioredis subscribes again when it reconnects; the heartbeat covers the gap.
      logger.warn({ err }, 'subscribing to pause announcements failed; relying on the heartbeat');
    }
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#options.heartbeatMs);
    this.#timer.unref();
  }

  /**
   * Re-reads the pauses, applies them to every tracked registry, and publishes the states.
   * Calls that arrive while one runs are folded into one more run after it.
   */
  refresh(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#refreshOnce();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #refreshOnce(): Promise<void> {
    const { redis, namespace, replica, service, logger } = this.#options;
    try {
      const pauses = await readPauses(redis, namespace);
      for (const registry of this.#registries) {
        for (const name of registry.paused()) {
          if (!pauses.has(name)) {
            registry.resume(name);
            logger.info({ destination: name }, 'destination resumed by an operator');
          }
        }
        for (const name of pauses.keys()) {
          if (!registry.paused().includes(name)) {
            registry.pause(name);
            logger.warn({ destination: name }, 'destination paused by an operator');
          }
        }
      }
      if (this.#stopped) return;
      await publishBreakerStates(redis, namespace, { replica, service }, this.#states(), {
        ttlMs: this.#ttlMs,
        now: this.#now(),
      });
      if (this.#failing) logger.info('breaker states published again');
      this.#failing = false;
    } catch (err) {
      // Pauses stay as last read: a paused destination is not resumed by an outage.
      if (!this.#failing)
        logger.warn({ err }, 'breaker sync with Redis failed; retrying on the heartbeat');
      this.#failing = true;
    }
  }

  #states(): PublishedBreaker[] {
    return this.#registries.flatMap((registry) =>
      registry.snapshots().map((snapshot) => ({
        destination: snapshot.name,
        state: snapshot.state,
        since: snapshot.since,
        failureRate: snapshot.failureRate,
        calls: snapshot.calls,
        paused: snapshot.isolated,
      })),
    );
  }

  /**
   * Stops the heartbeat and the subscription, and withdraws this replica's states, waiting
   * at most `withdrawWaitMs` for Redis: a stop during an outage must not outlast the
   * shutdown deadline, and states not withdrawn expire with their TTL anyway.
   */
  async stop({ withdrawWaitMs = 1_000 }: { withdrawWaitMs?: number } = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#subscriber?.disconnect();
    const { redis, namespace, replica, logger } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, withdrawWaitMs);
    });
    const withdrawn = withdrawBreakerStates(redis, namespace, replica).catch((err: unknown) =>
      logger.debug({ err }, 'withdrawing breaker states failed; they expire with their TTL'),
    );
    await Promise.race([withdrawn, gaveUp]);
    clearTimeout(timer);
  }
}
