export { STAGE_STREAMS, deadLetterKey, groupName, streamKey, type StageStream } from './keys.ts';
export { decodeMessage, encodeMessage, type WorkMessage } from './message.ts';
export { publish } from './producer.ts';
export { StreamConsumer } from './consumer.ts';
export {
  CONSUMER_DEFAULTS,
  type ConsumerHooks,
  type ConsumerOperation,
  type ReadSource,
  type StreamConsumerOptions,
} from './options.ts';
export {
  DEAD_LETTER_FIELDS,
  type BatchHandler,
  type ConsumedEntry,
  type EntryOutcome,
} from './settle.ts';
export { trimStream, type TrimResult } from './trim.ts';
export { deadLetters, type DeadLetterEntry, type DeadLetters } from './dead-letters.ts';
export {
  GroupMissingError,
  HandlerFailedError,
  ReadStalledError,
  SettleFailedError,
  isGroupMissingError,
  isHandlerFailedError,
  isReadStalledError,
  isSettleFailedError,
} from './errors.ts';
export { connectRedis } from './connect.ts';
export {
  breakerIndexKey,
  pauseChannel,
  pauseDestination,
  pausesKey,
  publishBreakerStates,
  readBreakerStates,
  readPauses,
  replicaBreakersKey,
  resumeDestination,
  withdrawBreakerStates,
  type DestinationPause,
  type PublishedBreaker,
  type ReplicaBreaker,
} from './breaker-board.ts';
