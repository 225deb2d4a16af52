/** Totals of the calls the window still remembers. */
export interface WindowCounts {
  readonly calls: number;
  readonly failures: number;
}

interface Bucket {
  /** Which slice of time (`floor(now / bucketMs)`) the counts belong to. */
  index: number;
  successes: number;
  failures: number;
}

/**
 * Successes and failures over the last `windowMs`, kept in `buckets` slices so that old
 * calls age out a slice at a time without storing one entry per call. The remembered span
 * is between `windowMs - bucketMs` and `windowMs`, depending on where in a slice `now` is.
 */
export class RollingWindow {
  readonly #bucketMs: number;
  readonly #buckets: Bucket[];

  constructor(windowMs: number, buckets: number) {
    this.#bucketMs = windowMs / buckets;
    this.#buckets = Array.from({ length: buckets }, () => ({
      index: -1,
      successes: 0,
      failures: 0,
    }));
  }

  /** Counts one finished call at time `now`. */
  record(now: number, outcome: 'success' | 'failure'): void {
    const index = Math.floor(now / this.#bucketMs);
    const slots = this.#buckets.length;
    const bucket = this.#buckets[((index % slots) + slots) % slots];
    if (bucket === undefined) {
      throw new Error(`no bucket for slice ${index}`);
    }

    if (bucket.index !== index) {
      bucket.index = index;
      bucket.successes = 0;
      bucket.failures = 0;
    }
    if (outcome === 'success') {
      bucket.successes += 1;
    } else {
      bucket.failures += 1;
    }
  }

  /** Calls and failures inside the window ending at `now`. */
  counts(now: number): WindowCounts {
    const current = Math.floor(now / this.#bucketMs);
    const oldest = current - this.#buckets.length + 1;
    let calls = 0;
    let failures = 0;
    for (const bucket of this.#buckets) {
      // A bucket ahead of `current` was written before the wall clock stepped back; it is
      // skipped rather than trusted, and overwritten once its slot comes round again.
      if (bucket.index < oldest || bucket.index > current) {
        continue;
      }
      calls += bucket.successes + bucket.failures;
      failures += bucket.failures;
    }
    return { calls, failures };
  }

  /** Forgets every call, as when the breaker closes and starts judging afresh. */
  clear(): void {
    for (const bucket of this.#buckets) {
      bucket.index = -1;
      bucket.successes = 0;
      bucket.failures = 0;
    }
  }
}
