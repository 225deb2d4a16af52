import { isBreakerTimeoutError, isBrokenCircuitError } from '@herald/breaker';
import { isHttpDeliveryError, type HttpDeliveryError } from './transports/http-errors.ts';
import { isMailboxWriteError, isSmtpSendError, type SmtpSendError } from './transports/index.ts';
import { isMessageCommand } from './transports/smtp-errors.ts';

/**
 * What a failed send says, and so what becomes of the delivery:
 * - `destination`: the destination could not take any message (unreachable, timed out,
 *   TLS or login refused, 421, an unwritable mailbox folder, an open breaker). Nothing is
 *   wrong with the message: it waits for the destination without spending an attempt, so
 *   an outage of the mail server never pushes alerts into dead letters (DESIGN.md).
 * - `transient`: this message, refused for now (451/452 to RCPT or DATA) or failed in a
 *   way nothing explains: retried, each try counting an attempt.
 * - `permanent`: this message, refused for good (5xx to MAIL FROM, RCPT TO or DATA, a 4xx
 *   other than 408/429 from an HTTP endpoint, or a message that cannot be sent as it is):
 *   the delivery fails with the provider's reason.
 * - `throttled`: the destination asked us to slow down (429): every replica waits its
 *   Retry-After, no attempt is spent and the breaker does not count it.
 */
export type SendFailureKind = 'destination' | 'transient' | 'permanent' | 'throttled';

/** RFC 5321 4.2.2: 421, the service is not available and the server closes the session. */
const SERVICE_NOT_AVAILABLE = 421;

function classifySmtp(err: SmtpSendError): SendFailureKind {
  switch (err.code) {
    case 'SMTP_CONNECTION_FAILED':
    case 'SMTP_TIMEOUT':
    case 'SMTP_TLS_FAILED':
    case 'SMTP_AUTH_FAILED':
    case 'SMTP_PROTOCOL_ERROR':
      return 'destination';
    case 'SMTP_REJECTED':
      // A reply to the greeting, EHLO or STARTTLS refuses every message alike.
      if (err.responseCode === SERVICE_NOT_AVAILABLE || !isMessageCommand(err.command)) {
        return 'destination';
      }
      return err.retryable ? 'transient' : 'permanent';
    case 'SMTP_MESSAGE_INVALID':
    case 'SMTP_CONFIG_INVALID':
      return 'permanent';
    case 'SMTP_ABORTED':
    case 'SMTP_TRANSPORT_CLOSED':
    case 'SMTP_FAILED':
      return 'transient';
    default:
      // Every code is listed above; a code from a newer copy of the module is a mystery.
      err.code satisfies never;
      return 'transient';
  }
}

// A gateway or an overloaded service says nothing about the message: wait for the endpoint.
const GATEWAY_STATUSES = new Set([502, 503, 504]);

function classifyHttp(err: HttpDeliveryError): SendFailureKind {
  switch (err.code) {
    case 'HTTP_RATE_LIMITED':
      return 'throttled';
    case 'HTTP_CONNECTION_FAILED':
    case 'HTTP_TIMEOUT':
      return 'destination';
    case 'HTTP_SERVER_ERROR':
      // 500 may be this message tripping a bug (Slack's rollup_error): counted, so it ends.
      return err.status !== undefined && GATEWAY_STATUSES.has(err.status)
        ? 'destination'
        : 'transient';
    case 'HTTP_REJECTED':
      return 'permanent';
    case 'HTTP_BAD_REPLY':
    case 'HTTP_ABORTED':
      return 'transient';
    default:
      err.code satisfies never;
      return 'transient';
  }
}

/**
 * Sorts a send failure into destination-level or message-level (see SendFailureKind),
 * from the error's class and its `code`, `responseCode` and `command`, never its text.
 */
export function classifySendFailure(err: unknown): SendFailureKind {
  if (isBrokenCircuitError(err) || isBreakerTimeoutError(err)) {
    return 'destination';
  }
  if (isSmtpSendError(err)) {
    return classifySmtp(err);
  }
  if (isHttpDeliveryError(err)) {
    return classifyHttp(err);
  }
  if (isMailboxWriteError(err)) {
    return err.code === 'MAILBOX_WRITE_FAILED' ? 'destination' : 'transient';
  }
  const retryable =
    typeof err === 'object' && err !== null && 'retryable' in err ? err.retryable : true;
  return retryable === false ? 'permanent' : 'transient';
}
