export type { EmailReceipt, EmailTransport, OutgoingEmail } from './types.ts';
export {
  InvalidEmailError,
  isInvalidEmailError,
  isMailboxWriteError,
  isSmtpSendError,
  MailboxWriteError,
  SmtpSendError,
  type MailboxErrorCode,
  type SmtpErrorCode,
} from './errors.ts';
export { SmtpTransport, type SmtpSecurity, type SmtpTransportOptions } from './smtp.ts';
export { MailboxTransport, mailboxFileName, type MailboxTransportOptions } from './mailbox.ts';
