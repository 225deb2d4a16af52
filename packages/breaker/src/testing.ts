/** Test helpers for code that uses breakers: a clock that moves only when told to. */
export { ManualClock } from './manual-clock.ts';
