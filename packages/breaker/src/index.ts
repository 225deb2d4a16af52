export {
  CircuitBreaker,
  type BreakerExecutor,
  type BreakerSnapshot,
  type ExecuteOptions,
} from './breaker.ts';
export { defaultClassify, type ErrorClassifier, type ErrorVerdict } from './classify.ts';
export { systemClock, type BreakerClock } from './clock.ts';
export {
  BreakerTimeoutError,
  BrokenCircuitError,
  isBreakerTimeoutError,
  isBrokenCircuitError,
} from './errors.ts';
export type {
  BreakerHooks,
  CallOutcome,
  CallResultEvent,
  StateChangeEvent,
  StateChangeReason,
} from './events.ts';
export {
  DEFAULT_BREAKER_SETTINGS,
  resolveSettings,
  type BreakerOptions,
  type BreakerSettings,
} from './options.ts';
export { BreakerRegistry, type BreakerRegistryOptions } from './registry.ts';
export type { BreakerStateName } from './state.ts';
