import { BrokenCircuitError } from './errors.ts';
import type { CallOutcome, StateChangeEvent, StateChangeReason } from './events.ts';
import { runGuarded, type GuardedResult } from './guarded-call.ts';
import { resolveSettings, type BreakerOptions, type BreakerSettings } from './options.ts';
import { stateName, type BreakerStateName, type CircuitState, type TrialTicket } from './state.ts';
import { RollingWindow } from './window.ts';

/** Per-call options of {@link CircuitBreaker.execute}. */
export interface ExecuteOptions {
  /** Aborting it cancels the call; a cancelled call counts as neither success nor failure. */
  readonly signal?: AbortSignal;
}

/**
 * The structural shape other packages depend on: anything that can run an outbound call
 * under a breaker. Code that makes outbound calls should accept this, not the class.
 */
export interface BreakerExecutor {
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, options?: ExecuteOptions): Promise<T>;
}

/** A point-in-time view for health endpoints and metrics. */
export interface BreakerSnapshot {
  readonly name: string;
  readonly state: BreakerStateName;
  /** True while an operator holds the breaker open; `state` is then 'open'. */
  readonly isolated: boolean;
  /** Failure rate over the closed-state window, 0 when it holds no calls. */
  readonly failureRate: number;
  /** Calls (successes plus failures) the closed-state window holds. */
  readonly calls: number;
  /** When an open breaker admits its next trial, ms since the epoch; null otherwise. */
  readonly openUntil: number | null;
  /** Clock time `state` was entered (or the breaker created), ms since the epoch. */
  readonly since: number;
}

/** Admission record of one call; results from an older generation are not judged (CB-12). */
interface CallTicket {
  readonly generation: number;
  readonly trial: TrialTicket | undefined;
}

/**
 * A circuit breaker for one destination. Keep one per destination for the life of the
 * process (CB-22): a breaker made per call remembers nothing.
 */
export class CircuitBreaker implements BreakerExecutor {
  readonly name: string;
  readonly #settings: BreakerSettings;
  readonly #window: RollingWindow;
  #state: CircuitState = { kind: 'closed' };
  /** Bumped on every state change; a call's result counts only in its own generation. */
  #generation = 0;
  /** Probes that failed since the breaker last closed; doubles the open duration each. */
  #failedProbes = 0;
  /** Transitions made but not yet reported, so hooks run only once state is consistent. */
  #unreported: StateChangeEvent[] = [];
  /** When the reported state was entered. */
  #since: number;

  constructor(options: BreakerOptions) {
    if (typeof options.name !== 'string' || options.name.trim() === '') {
      throw new RangeError(`name must be a non-empty string, got ${String(options.name)}`);
    }

    this.name = options.name;
    this.#settings = resolveSettings(options);
    this.#window = new RollingWindow(this.#settings.windowMs, this.#settings.windowBuckets);
    this.#since = this.#settings.clock.now();
  }

  /** The current state; an open breaker whose open duration has passed reads half-open (CB-13). */
  get state(): BreakerStateName {
    this.#refresh(this.#settings.clock.now());
    this.#report();
    return stateName(this.#state);
  }

  /** The current state with the numbers behind it. */
  snapshot(): BreakerSnapshot {
    const now = this.#settings.clock.now();
    this.#refresh(now);
    const state = this.#state;
    const { calls, failures } = this.#window.counts(now);
    this.#report();

    return {
      name: this.name,
      state: stateName(state),
      isolated: state.kind === 'isolated',
      failureRate: calls === 0 ? 0 : failures / calls,
      calls,
      openUntil: state.kind === 'open' ? state.openUntil : null,
      since: this.#since,
    };
  }

  /** Holds the breaker open until {@link reset}, e.g. for an operator's pause (CB-21). */
  isolate(): void {
    if (this.#state.kind !== 'isolated') {
      this.#moveTo({ kind: 'isolated' }, 'isolated', this.#settings.clock.now());
    }
    this.#report();
  }

  /** Closes the breaker and forgets its history, including calls still in flight. */
  reset(): void {
    this.#window.clear();
    this.#failedProbes = 0;
    this.#moveTo({ kind: 'closed' }, 'reset', this.#settings.clock.now());
    this.#report();
  }

  /**
   * Runs `fn` unless the breaker refuses it. `fn` gets a signal that is aborted when the
   * call times out (`callTimeoutMs`) or the caller's `options.signal` aborts, and should
   * pass it on to its I/O.
   *
   * @throws BrokenCircuitError without calling `fn` while open, isolated, or with every
   *   half-open trial slot taken.
   * @throws BreakerTimeoutError when `fn` does not settle in time.
   * @throws the caller's abort reason when `options.signal` aborts first.
   * @throws whatever `fn` throws, counted or not as `classify` decides.
   */
  async execute<T>(
    fn: (signal: AbortSignal) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const { clock, callTimeoutMs } = this.#settings;
    const startedAt = clock.now();
    this.#refresh(startedAt);
    this.#report();

    const { signal } = options;
    if (signal?.aborted) {
      this.#report({ outcome: 'cancelled', durationMs: 0 });
      throw signal.reason;
    }

    const ticket = this.#admit(startedAt);
    if (ticket instanceof BrokenCircuitError) {
      this.#report({ outcome: 'rejected', durationMs: 0 });
      throw ticket;
    }

    const result = await runGuarded(fn, {
      breakerName: this.name,
      timeoutMs: callTimeoutMs,
      clock,
      signal,
    });
    const endedAt = clock.now();
    const outcome = this.#outcomeOf(result);
    if (ticket.generation === this.#generation) {
      this.#judge(ticket, outcome, endedAt);
    }
    this.#report({ outcome, durationMs: endedAt - startedAt });

    switch (result.kind) {
      case 'success':
        return result.value;
      case 'error':
      case 'timeout':
        throw result.error;
      case 'cancelled':
        throw result.reason;
      default: {
        const unreachable: never = result;
        throw new Error(`unknown call result ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** Takes a place for a new call, or says why there is none. */
  #admit(now: number): CallTicket | BrokenCircuitError {
    const state = this.#state;
    switch (state.kind) {
      case 'closed':
        return { generation: this.#generation, trial: undefined };
      case 'open':
        return this.#refusal('open', state.openUntil - now, false);
      case 'isolated':
        return this.#refusal('open', this.#settings.openMs, true);
      case 'half-open': {
        if (state.trials.size >= this.#settings.halfOpenMaxCalls) {
          // A slot frees up at the latest when the earliest trial times out.
          const earliest = Math.min(...[...state.trials].map((trial) => trial.deadline));
          return this.#refusal('half-open', earliest - now, false);
        }

        const trial: TrialTicket = { deadline: now + this.#settings.callTimeoutMs };
        state.trials.add(trial);
        return { generation: this.#generation, trial };
      }
      default: {
        const unreachable: never = state;
        throw new Error(`unknown breaker state ${JSON.stringify(unreachable)}`);
      }
    }
  }

  #refusal(
    state: 'open' | 'half-open',
    retryAfterMs: number,
    isolated: boolean,
  ): BrokenCircuitError {
    return new BrokenCircuitError({
      breakerName: this.name,
      state,
      retryAfterMs: Math.max(0, retryAfterMs),
      isolated,
    });
  }

  #outcomeOf(result: GuardedResult<unknown>): Exclude<CallOutcome, 'rejected'> {
    switch (result.kind) {
      case 'success':
        return 'success';
      case 'timeout':
        return 'timeout';
      case 'cancelled':
        return 'cancelled';
      case 'error':
        return this.#classify(result.error) === 'ignore' ? 'ignored' : 'failure';
      default: {
        const unreachable: never = result;
        throw new Error(`unknown call result ${JSON.stringify(unreachable)}`);
      }
    }
  }

  #classify(error: unknown): 'failure' | 'ignore' {
    try {
      return this.#settings.classify(error);
    } catch {
      // A broken classifier must not leave a trial slot taken forever (CB-11); treating
      // the error as a failure is the cautious reading, and the caller still gets it.
      return 'failure';
    }
  }

  /** Applies a settled call of the current generation to the state. */
  #judge(ticket: CallTicket, outcome: Exclude<CallOutcome, 'rejected'>, now: number): void {
    const counted = countedAs(outcome);
    const state = this.#state;
    switch (state.kind) {
      case 'closed': {
        if (counted === undefined) {
          return;
        }

        this.#window.record(now, counted);
        const { calls, failures } = this.#window.counts(now);
        // At or above the threshold, as resilience4j does (CB-03): 10 of 20 at 0.5 opens.
        if (
          calls >= this.#settings.minimumCalls &&
          failures / calls >= this.#settings.failureRateThreshold
        ) {
          this.#open(now, 'failure-rate');
        }
        return;
      }
      case 'half-open': {
        if (ticket.trial !== undefined) {
          state.trials.delete(ticket.trial);
        }
        if (counted === 'failure') {
          this.#failedProbes += 1;
          this.#open(now, 'probe-failed');
        } else if (counted === 'success') {
          state.successes += 1;
          if (state.successes >= this.#settings.halfOpenSuccessesToClose) {
            this.#window.clear();
            this.#failedProbes = 0;
            this.#moveTo({ kind: 'closed' }, 'probes-succeeded', now);
          }
        }
        return;
      }
      case 'open':
      case 'isolated':
        // Nothing is admitted in these states, so no call of their generation can settle.
        return;
      default: {
        const unreachable: never = state;
        throw new Error(`unknown breaker state ${JSON.stringify(unreachable)}`);
      }
    }
  }

  #open(now: number, reason: StateChangeReason): void {
    const { openMs, maxOpenMs } = this.#settings;
    const durationMs = Math.min(openMs * 2 ** this.#failedProbes, maxOpenMs);
    this.#moveTo({ kind: 'open', openUntil: now + durationMs }, reason, now);
  }

  /** The lazy open -> half-open move: no timer, the next look at the state makes it. */
  #refresh(now: number): void {
    if (this.#state.kind === 'open' && now >= this.#state.openUntil) {
      this.#moveTo({ kind: 'half-open', trials: new Set(), successes: 0 }, 'open-elapsed', now);
    }
  }

  #moveTo(next: CircuitState, reason: StateChangeReason, now: number): void {
    const from = stateName(this.#state);
    this.#state = next;
    this.#generation += 1;
    const to = stateName(next);
    if (from !== to) {
      this.#since = now;
      this.#unreported.push({ name: this.name, from, to, reason, at: now });
    }
  }

  /**
   * Runs the hooks for pending transitions and, if given, one call result. Every hook
   * runs even if an earlier one throws; the first exception is rethrown afterwards.
   */
  #report(call?: { outcome: CallOutcome; durationMs: number }): void {
    const { onStateChange, onCallResult } = this.#settings;
    const events = this.#unreported;
    this.#unreported = [];
    const failures: unknown[] = [];

    if (call !== undefined && onCallResult !== undefined) {
      try {
        onCallResult({ name: this.name, ...call });
      } catch (err) {
        failures.push(err);
      }
    }
    for (const event of events) {
      try {
        onStateChange?.(event);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) {
      throw failures[0];
    }
  }
}

/** What a call outcome counts as: ignored errors and cancellations count as nothing. */
function countedAs(outcome: Exclude<CallOutcome, 'rejected'>): 'success' | 'failure' | undefined {
  switch (outcome) {
    case 'success':
      return 'success';
    case 'failure':
    case 'timeout':
      return 'failure';
    case 'ignored':
    case 'cancelled':
      return undefined;
    default: {
      const unreachable: never = outcome;
      throw new Error(`unknown call outcome ${String(unreachable)}`);
    }
  }
}
