export { renderEmail } from './render.ts';
export type { EmailInput } from './render.ts';
export { SUBJECT_MAX_CHARS } from './subject.ts';
export { TRUNCATION_MARKER } from '../message/sanitize.ts';
