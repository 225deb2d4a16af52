import { SmtpSendError, type SmtpErrorCode } from './errors.ts';

/** The fields nodemailer puts on the errors it reports (see its NodemailerError). */
interface NodemailerFailure {
  code?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  message?: unknown;
}

/** RFC 4954 replies about authentication: 454 temporary, 530/534/535/538 permanent. */
const AUTH_REPLY_CODES = new Set([454, 530, 534, 535, 538]);

/** Node/OpenSSL codes of a certificate that failed verification. */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL/;

const CONNECTION_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'EPROXY']);

const DESCRIPTIONS: Record<SmtpErrorCode, string> = {
  SMTP_CONNECTION_FAILED: 'could not talk to the SMTP server',
  SMTP_TIMEOUT: 'the SMTP server did not answer in time',
  SMTP_TLS_FAILED: 'TLS with the SMTP server failed',
  SMTP_AUTH_FAILED: 'the SMTP server refused the login',
  SMTP_REJECTED: 'the SMTP server refused the message',
  SMTP_MESSAGE_INVALID: 'the message cannot be sent as it is',
  SMTP_PROTOCOL_ERROR: 'the SMTP server sent an unexpected reply',
  SMTP_CONFIG_INVALID: 'the SMTP settings are incomplete',
  SMTP_ABORTED: 'the send was cancelled',
  SMTP_TRANSPORT_CLOSED: 'the SMTP transport is closed',
  SMTP_FAILED: 'sending over SMTP failed',
};

/** The commands that carry one message: a reply to them is about that message. */
const MESSAGE_COMMANDS = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/**
 * True when `command` (nodemailer's name for what a reply answered) carries the message
 * itself; a reply to anything else (the greeting, EHLO, STARTTLS, AUTH) is about the
 * session with the server, whatever the message.
 */
export function isMessageCommand(command: string | undefined): boolean {
  return command !== undefined && MESSAGE_COMMANDS.has(command);
}

/**
 * RFC 5321: 5yz replies are permanent, 4yz transient. 503 (bad sequence of commands) is
 * a session state problem, not a verdict on the message, so it is retried. Only a reply
 * to the message's own commands can refuse the message: a 554 greeting ("no SMTP service
 * here") or a 5xx to EHLO refuses every message, so it is the server's problem.
 */
function isPermanentReply(responseCode: number, command: string | undefined): boolean {
  return (
    responseCode >= 500 && responseCode <= 599 && responseCode !== 503 && isMessageCommand(command)
  );
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

type Verdict = Pick<SmtpSendError, 'code' | 'retryable' | 'breakerOutcome'>;

function judge(
  code: string | undefined,
  originalCode: string | undefined,
  reply: number | undefined,
  command: string | undefined,
): Verdict {
  if (code === 'EABORT') {
    return { code: 'SMTP_ABORTED', retryable: true, breakerOutcome: 'ignore' };
  }
  if (code === 'ETIMEDOUT') {
    return { code: 'SMTP_TIMEOUT', retryable: true };
  }
  if (code === 'ETLS' || CERTIFICATE_ERROR.test(originalCode ?? code ?? '')) {
    return { code: 'SMTP_TLS_FAILED', retryable: true };
  }
  // A refused login is about the account, not the message: it counts against the
  // destination, and only a temporary refusal (454) is worth retrying.
  if (code === 'EAUTH' || code === 'ENOAUTH' || (reply && AUTH_REPLY_CODES.has(reply))) {
    return { code: 'SMTP_AUTH_FAILED', retryable: reply !== undefined && reply < 500 };
  }
  if (code === 'ECONFIG') {
    return { code: 'SMTP_CONFIG_INVALID', retryable: false };
  }
  if (reply !== undefined) {
    return isPermanentReply(reply, command)
      ? { code: 'SMTP_REJECTED', retryable: false, breakerOutcome: 'ignore' }
      : { code: 'SMTP_REJECTED', retryable: true };
  }
  if (code === 'EENVELOPE' || code === 'EMESSAGE') {
    return { code: 'SMTP_MESSAGE_INVALID', retryable: false, breakerOutcome: 'ignore' };
  }
  if (code !== undefined && CONNECTION_CODES.has(code)) {
    return { code: 'SMTP_CONNECTION_FAILED', retryable: true };
  }
  if (code === 'EPROTOCOL') {
    return { code: 'SMTP_PROTOCOL_ERROR', retryable: true };
  }
  return { code: 'SMTP_FAILED', retryable: true };
}

/**
 * Turns whatever nodemailer rejected with into an SmtpSendError: connection failures,
 * timeouts and 4xx replies are retryable; 5xx replies to MAIL FROM, RCPT TO or DATA are
 * permanent and ignored by the breaker, 5xx replies to anything else retryable and
 * counted; a refused login is permanent and counted.
 */
export function toSmtpSendError(err: unknown): SmtpSendError {
  const failure: NodemailerFailure = typeof err === 'object' && err !== null ? err : {};
  const code = stringOr(failure.code);
  const reply = typeof failure.responseCode === 'number' ? failure.responseCode : undefined;
  const command = stringOr(failure.command);
  const verdict = judge(code, stringOr(failure.originalCode), reply, command);
  const response = stringOr(failure.response);
  const detail = (response ?? stringOr(failure.message))?.trim();

  return new SmtpSendError(
    detail ? `${DESCRIPTIONS[verdict.code]}: ${detail}` : DESCRIPTIONS[verdict.code],
    {
      ...verdict,
      ...(reply !== undefined ? { responseCode: reply } : {}),
      ...(response !== undefined ? { response } : {}),
      ...(command !== undefined ? { command } : {}),
      cause: err,
    },
  );
}

/** The error for a send attempted after close(). */
export function transportClosedError(): SmtpSendError {
  return new SmtpSendError(DESCRIPTIONS.SMTP_TRANSPORT_CLOSED, {
    code: 'SMTP_TRANSPORT_CLOSED',
    retryable: true,
    breakerOutcome: 'ignore',
  });
}
