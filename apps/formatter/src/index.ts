export {
  renderEmail,
  SUBJECT_MAX_CHARS,
  TRUNCATION_MARKER,
  type EmailInput,
} from './email/index.ts';
