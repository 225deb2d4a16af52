export { decideGroups, type GroupDecision, type GroupRequest } from './decide.ts';
export { digestIdentity, flushDueGroups, pruneIdleGroups, type FlushOutcome } from './flush.ts';
export { GroupFlusher, type GroupFlusherHooks, type GroupFlusherOptions } from './flusher.ts';
export {
  Grouper,
  groupedNote,
  type GrouperOptions,
  type GroupingInput,
  type GroupingOutcome,
  type ReachedReceiver,
} from './grouper.ts';
export { groupKey, groupLabels } from './key.ts';
export type { GroupingSettings } from './settings.ts';
