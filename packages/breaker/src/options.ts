import { defaultClassify, type ErrorClassifier } from './classify.ts';
import { systemClock, type BreakerClock } from './clock.ts';
import type { BreakerHooks } from './events.ts';

/** Everything that tunes a breaker; every field has a default. */
export interface BreakerSettings extends BreakerHooks {
  /** Span over which the failure rate is measured, ms. */
  readonly windowMs: number;
  /** Slices the window is kept in; old calls age out one slice at a time. */
  readonly windowBuckets: number;
  /** Calls (successes plus failures) the window must hold before the rate is judged. */
  readonly minimumCalls: number;
  /** Failure rate, 0 < x <= 1, at or above which the breaker opens. */
  readonly failureRateThreshold: number;
  /** How long the breaker stays open after it trips, ms. */
  readonly openMs: number;
  /** Ceiling for the open duration as it doubles on each failed probe, ms. */
  readonly maxOpenMs: number;
  /** Trial calls admitted at once while half-open. */
  readonly halfOpenMaxCalls: number;
  /** Trial successes needed to close; any trial failure re-opens. */
  readonly halfOpenSuccessesToClose: number;
  /** Deadline for every call; its signal is aborted and the call counts as failed, ms. */
  readonly callTimeoutMs: number;
  /** Decides whether an error counts against the destination. */
  readonly classify: ErrorClassifier;
  readonly clock: BreakerClock;
}

/** Options of one breaker: its destination name plus any settings to change. */
export interface BreakerOptions extends Partial<BreakerSettings> {
  /** The destination, e.g. `smtp:relay.example.org` or `webhook:ops-teams`. */
  readonly name: string;
}

/** Defaults for a destination without special needs. */
export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  windowMs: 30_000, // 30 s
  windowBuckets: 10, // 3 s slices with the default window
  minimumCalls: 10,
  failureRateThreshold: 0.5,
  openMs: 30_000, // 30 s
  maxOpenMs: 300_000, // 5 min
  halfOpenMaxCalls: 1,
  halfOpenSuccessesToClose: 2,
  callTimeoutMs: 10_000, // 10 s
  classify: defaultClassify,
  clock: systemClock,
};

// Node clamps longer timer delays to 1 ms, which would time out every call at once.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Merges `options` over the defaults and validates the result. Throws RangeError (or
 * TypeError for a non-function) naming the option and the value it got.
 */
export function resolveSettings(options: Partial<BreakerSettings> = {}): BreakerSettings {
  const settings: BreakerSettings = { ...DEFAULT_BREAKER_SETTINGS, ...options };

  requirePositive('windowMs', settings.windowMs);
  requireWhole('windowBuckets', settings.windowBuckets, 1);
  if (settings.windowBuckets > settings.windowMs) {
    throw new RangeError(
      `windowBuckets must not exceed windowMs (${settings.windowMs}), got ${settings.windowBuckets}`,
    );
  }
  requireWhole('minimumCalls', settings.minimumCalls, 1);
  if (
    typeof settings.failureRateThreshold !== 'number' ||
    !(settings.failureRateThreshold > 0 && settings.failureRateThreshold <= 1)
  ) {
    throw new RangeError(
      `failureRateThreshold must be a number in (0, 1], got ${settings.failureRateThreshold}`,
    );
  }
  requirePositive('openMs', settings.openMs);
  requirePositive('maxOpenMs', settings.maxOpenMs);
  if (settings.maxOpenMs < settings.openMs) {
    throw new RangeError(
      `maxOpenMs must be >= openMs (${settings.openMs}), got ${settings.maxOpenMs}`,
    );
  }
  requireWhole('halfOpenMaxCalls', settings.halfOpenMaxCalls, 1);
  requireWhole('halfOpenSuccessesToClose', settings.halfOpenSuccessesToClose, 1);
  requirePositive('callTimeoutMs', settings.callTimeoutMs);
  if (settings.callTimeoutMs > MAX_TIMER_MS) {
    throw new RangeError(`callTimeoutMs must be <= ${MAX_TIMER_MS}, got ${settings.callTimeoutMs}`);
  }
  requireFunction('classify', settings.classify);
  requireFunction('onStateChange', settings.onStateChange, true);
  requireFunction('onCallResult', settings.onCallResult, true);
  if (typeof settings.clock?.now !== 'function' || typeof settings.clock.schedule !== 'function') {
    throw new TypeError(`clock must have now() and schedule(), got ${String(settings.clock)}`);
  }

  return settings;
}

function requirePositive(option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${option} must be a finite number > 0, got ${String(value)}`);
  }
}

function requireWhole(option: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${option} must be a whole number >= ${min}, got ${String(value)}`);
  }
}

function requireFunction(option: string, value: unknown, optional = false): void {
  if (optional && value === undefined) {
    return;
  }
  if (typeof value !== 'function') {
    throw new TypeError(`${option} must be a function, got ${String(value)}`);
  }
}
