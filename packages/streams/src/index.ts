export { STAGE_STREAMS, deadLetterKey, groupName, streamKey, type StageStream } from './keys.ts';
export { decodeMessage, encodeMessage, type WorkMessage } from './message.ts';
export { publish } from './producer.ts';
