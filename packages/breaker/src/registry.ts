import { CircuitBreaker, type BreakerSnapshot } from './breaker.ts';
import { resolveSettings, type BreakerSettings } from './options.ts';

/** Settings for breakers a registry creates: shared defaults and per-destination changes. */
export interface BreakerRegistryOptions {
  /** Applied to every breaker, over the package defaults; hooks here see every breaker. */
  readonly defaults?: Partial<BreakerSettings>;
  /** Per destination name, applied over `defaults` (e.g. a longer timeout for the LLM). */
  readonly overrides?: Readonly<Record<string, Partial<BreakerSettings>>>;
}

/**
 * Hands out one long-lived breaker per destination name (CB-22), so every caller that
 * talks to the same destination shares its state and no destination shares another's.
 */
export class BreakerRegistry {
  readonly #defaults: Partial<BreakerSettings>;
  readonly #overrides: Readonly<Record<string, Partial<BreakerSettings>>>;
  readonly #breakers = new Map<string, CircuitBreaker>();
  /** Destinations an operator paused; a breaker created for one starts isolated. */
  readonly #paused = new Set<string>();

  constructor(options: BreakerRegistryOptions = {}) {
    this.#defaults = options.defaults ?? {};
    this.#overrides = options.overrides ?? {};

    // Validate every combination now, so a bad setting fails at startup rather than on
    // the first call to that destination.
    resolveSettings(this.#defaults);
    for (const name of Object.keys(this.#overrides)) {
      resolveSettings(this.#settingsFor(name));
    }
  }

  /** The breaker for `name`, created on first use. */
  get(name: string): CircuitBreaker {
    const existing = this.#breakers.get(name);
    if (existing !== undefined) {
      return existing;
    }

    const breaker = new CircuitBreaker({ ...this.#settingsFor(name), name });
    this.#breakers.set(name, breaker);
    if (this.#paused.has(name)) breaker.isolate();
    return breaker;
  }

  /**
   * An operator's pause of `name`: its breaker is held open (`isolate()`, CB-21) until
   * {@link resume}, so callers defer its work as for an open breaker. Remembered for a
   * breaker not created yet. Pausing a paused name does nothing.
   */
  pause(name: string): void {
    if (this.#paused.has(name)) return;
    this.#paused.add(name);
    this.#breakers.get(name)?.isolate();
  }

  /**
   * Ends the pause of `name`: its breaker closes with a fresh window (`reset()`), as after
   * a destination's repair. Resuming a name that is not paused does nothing, so an open
   * breaker that no operator paused keeps its own course.
   */
  resume(name: string): void {
    if (!this.#paused.delete(name)) return;
    this.#breakers.get(name)?.reset();
  }

  /** The paused destination names, sorted. */
  paused(): string[] {
    return [...this.#paused].sort();
  }

  /** Snapshots of every breaker created so far, sorted by name. */
  snapshots(): BreakerSnapshot[] {
    return [...this.#breakers.values()]
      .map((breaker) => breaker.snapshot())
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #settingsFor(name: string): Partial<BreakerSettings> {
    // Object.hasOwn, because a name like 'constructor' must not pick up Object's members.
    const override = Object.hasOwn(this.#overrides, name) ? this.#overrides[name] : undefined;
    return { ...this.#defaults, ...override };
  }
}
