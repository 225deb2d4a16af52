/**
 * Records events from consumer hooks and lets a test wait for them, so tests wait on
 * what happened instead of sleeping. Test-only helper.
 */
export class EventLog<T> {
  readonly events: T[] = [];
  readonly #waiters = new Set<() => void>();

  push = (event: T): void => {
    this.events.push(event);
    for (const check of this.#waiters) check();
  };

  /** The events matching `match`, once there are at least `count` of them. */
  when(match: (event: T) => boolean, count = 1, timeoutMs = 10_000): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const matching = this.events.filter(match);
        if (matching.length < count) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(matching);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `waited ${timeoutMs} ms for ${count} events; saw ${JSON.stringify(this.events)}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
}
