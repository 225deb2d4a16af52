import type { BreakerClock } from './clock.ts';

interface PendingTimer {
  readonly dueAt: number;
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in due order, each seeing `now()` at
 * its own due time, so a test observes the same sequence real time would produce.
 */
export class ManualClock implements BreakerClock {
  #nowMs: number;
  #seq = 0;
  #timers: PendingTimer[] = [];

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  schedule(callback: () => void, delayMs: number): () => void {
    const timer: PendingTimer = { dueAt: this.#nowMs + delayMs, seq: this.#seq++, callback };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((pending) => pending !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.#nowMs + ms;
    for (;;) {
      const next = this.#nextDue(target);
      if (next === undefined) {
        break;
      }

      this.#timers = this.#timers.filter((pending) => pending !== next);
      this.#nowMs = next.dueAt;
      next.callback();
    }
    this.#nowMs = target;
  }

  /** Timers scheduled and neither fired nor cancelled; lets a test prove nothing leaks. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  #nextDue(limit: number): PendingTimer | undefined {
    let next: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.dueAt > limit) {
        continue;
      }
      if (
        next === undefined ||
        timer.dueAt < next.dueAt ||
        (timer.dueAt === next.dueAt && timer.seq < next.seq)
      ) {
        next = timer;
      }
    }
    return next;
  }
}
