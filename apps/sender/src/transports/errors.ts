// One class per failure kind. `retryable` tells the sender whether to try the delivery
// again later or fail it; `breakerOutcome: 'ignore'` tells the circuit breaker that the
// failure is about this one message (a refused recipient, our own cancellation), not about
// the destination's health, so one bad message cannot open the breaker for everyone.

/** Why an SMTP attempt failed; stable, for metrics and alert history. */
export type SmtpErrorCode =
  | 'SMTP_CONNECTION_FAILED'
  | 'SMTP_TIMEOUT'
  | 'SMTP_TLS_FAILED'
  | 'SMTP_AUTH_FAILED'
  | 'SMTP_REJECTED'
  | 'SMTP_MESSAGE_INVALID'
  | 'SMTP_PROTOCOL_ERROR'
  | 'SMTP_CONFIG_INVALID'
  | 'SMTP_ABORTED'
  | 'SMTP_TRANSPORT_CLOSED'
  | 'SMTP_FAILED';

export interface SmtpSendErrorDetails {
  code: SmtpErrorCode;
  retryable: boolean;
  breakerOutcome?: 'ignore';
  /** The SMTP reply code, when the server replied. */
  responseCode?: number;
  /** The server's reply text, when it replied. */
  response?: string;
  /** The SMTP command the reply answered (`RCPT TO`, `DATA`, `AUTH PLAIN`...). */
  command?: string;
  cause?: unknown;
}

/** An SMTP send (or verify) failed; see `code`, `retryable` and `responseCode`. */
export class SmtpSendError extends Error {
  readonly isSmtpSendError = true;
  readonly code: SmtpErrorCode;
  readonly retryable: boolean;
  readonly breakerOutcome?: 'ignore';
  readonly responseCode?: number;
  readonly response?: string;
  readonly command?: string;

  constructor(message: string, details: SmtpSendErrorDetails) {
    super(message, { cause: details.cause });
    this.name = 'SmtpSendError';
    this.code = details.code;
    this.retryable = details.retryable;
    if (details.breakerOutcome) {
      this.breakerOutcome = details.breakerOutcome;
    }
    if (details.responseCode !== undefined) {
      this.responseCode = details.responseCode;
    }
    if (details.response !== undefined) {
      this.response = details.response;
    }
    if (details.command !== undefined) {
      this.command = details.command;
    }
  }
}

/** True for an SmtpSendError, also across duplicate copies of this module. */
export function isSmtpSendError(err: unknown): err is SmtpSendError {
  return typeof err === 'object' && err !== null && (err as SmtpSendError).isSmtpSendError === true;
}

export type MailboxErrorCode = 'MAILBOX_WRITE_FAILED' | 'MAILBOX_ABORTED';

/**
 * Writing a message file failed. Always retryable: a full disk or a wrong permission is
 * about the folder, not the message, and is fixed by an operator without losing alerts.
 */
export class MailboxWriteError extends Error {
  readonly isMailboxWriteError = true;
  readonly code: MailboxErrorCode;
  readonly retryable = true;
  readonly breakerOutcome?: 'ignore';

  constructor(message: string, code: MailboxErrorCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MailboxWriteError';
    this.code = code;
    if (code === 'MAILBOX_ABORTED') {
      this.breakerOutcome = 'ignore';
    }
  }
}

/** True for a MailboxWriteError, also across duplicate copies of this module. */
export function isMailboxWriteError(err: unknown): err is MailboxWriteError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as MailboxWriteError).isMailboxWriteError === true
  );
}

/**
 * The message itself cannot be sent as it is (bad Message-ID, a header that would break
 * the message): permanent, and no judgement on the destination.
 */
export class InvalidEmailError extends Error {
  readonly isInvalidEmailError = true;
  readonly code = 'EMAIL_INVALID';
  readonly retryable = false;
  readonly breakerOutcome = 'ignore';

  constructor(message: string) {
    super(message);
    this.name = 'InvalidEmailError';
  }
}

/** True for an InvalidEmailError, also across duplicate copies of this module. */
export function isInvalidEmailError(err: unknown): err is InvalidEmailError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as InvalidEmailError).isInvalidEmailError === true
  );
}
