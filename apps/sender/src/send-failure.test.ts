import { describe, expect, test } from 'vitest';
import { BreakerTimeoutError, BrokenCircuitError } from '@herald/breaker';
import { classifySendFailure, type SendFailureKind } from './send-failure.ts';
import { NoDestinationError } from './destinations.ts';
import { InvalidEmailError, MailboxWriteError } from './transports/errors.ts';
import { HttpDeliveryError, type HttpErrorCode } from './transports/http-errors.ts';
import { toSmtpSendError, transportClosedError } from './transports/smtp-errors.ts';

/** What nodemailer rejects with, mapped the way SmtpTransport maps it. */
function smtp(fields: Record<string, unknown>) {
  return toSmtpSendError(Object.assign(new Error('nodemailer says no'), fields));
}

function http(code: HttpErrorCode, status?: number) {
  return new HttpDeliveryError('endpoint says no', { code, ...(status ? { status } : {}) });
}

describe('classifySendFailure', () => {
  test.each<[string, unknown, SendFailureKind]>([
    // The destination cannot take any message: wait for it, no attempt spent.
    [
      'connection refused',
      smtp({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }),
      'destination',
    ],
    ['DNS failure', smtp({ code: 'EDNS', command: 'CONN' }), 'destination'],
    [
      'connect, greeting or socket timeout',
      smtp({ code: 'ETIMEDOUT', command: 'CONN' }),
      'destination',
    ],
    ['TLS handshake', smtp({ code: 'ETLS', command: 'STARTTLS' }), 'destination'],
    [
      'untrusted certificate',
      smtp({ code: 'ESOCKET', originalCode: 'SELF_SIGNED_CERT_IN_CHAIN' }),
      'destination',
    ],
    [
      '535 wrong password',
      smtp({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }),
      'destination',
    ],
    [
      '454 login refused for now',
      smtp({ code: 'EAUTH', responseCode: 454, command: 'AUTH PLAIN' }),
      'destination',
    ],
    ['no credentials (ENOAUTH)', smtp({ code: 'ENOAUTH' }), 'destination'],
    [
      '530 authentication required',
      smtp({ code: 'EENVELOPE', responseCode: 530, command: 'MAIL FROM' }),
      'destination',
    ],
    [
      '421 to RCPT TO',
      smtp({ code: 'EENVELOPE', responseCode: 421, command: 'RCPT TO' }),
      'destination',
    ],
    ['421 to DATA', smtp({ code: 'EMESSAGE', responseCode: 421, command: 'DATA' }), 'destination'],
    [
      '421 greeting',
      smtp({ code: 'EPROTOCOL', responseCode: 421, command: 'CONN' }),
      'destination',
    ],
    [
      '554 greeting',
      smtp({ code: 'EPROTOCOL', responseCode: 554, command: 'CONN' }),
      'destination',
    ],
    [
      '5xx to EHLO',
      smtp({ code: 'ECONNECTION', responseCode: 550, command: 'EHLO' }),
      'destination',
    ],
    ['greeting that is not SMTP', smtp({ code: 'EPROTOCOL', command: 'CONN' }), 'destination'],
    ['server closed the connection', smtp({ code: 'ECONNECTION', command: 'CONN' }), 'destination'],
    [
      'mailbox folder not writable',
      new MailboxWriteError('no', 'MAILBOX_WRITE_FAILED'),
      'destination',
    ],
    [
      'breaker open',
      new BrokenCircuitError({
        breakerName: 'smtp',
        state: 'open',
        retryAfterMs: 5,
        isolated: false,
      }),
      'destination',
    ],
    [
      'whole call timed out',
      new BreakerTimeoutError({ breakerName: 'smtp', timeoutMs: 5 }),
      'destination',
    ],
    // This message, refused for now: retried, counting attempts.
    [
      '451 to RCPT TO',
      smtp({ code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' }),
      'transient',
    ],
    [
      '452 to RCPT TO',
      smtp({ code: 'EENVELOPE', responseCode: 452, command: 'RCPT TO' }),
      'transient',
    ],
    ['451 to DATA', smtp({ code: 'EMESSAGE', responseCode: 451, command: 'DATA' }), 'transient'],
    [
      '451 to MAIL FROM',
      smtp({ code: 'EENVELOPE', responseCode: 451, command: 'MAIL FROM' }),
      'transient',
    ],
    [
      '503 bad sequence',
      smtp({ code: 'EMESSAGE', responseCode: 503, command: 'DATA' }),
      'transient',
    ],
    ['our own abort', smtp({ code: 'EABORT' }), 'transient'],
    ['send after close', transportClosedError(), 'transient'],
    ['unknown SMTP failure', smtp({}), 'transient'],
    ['mailbox write aborted', new MailboxWriteError('stop', 'MAILBOX_ABORTED'), 'transient'],
    ['an unknown error', new Error('surprise'), 'transient'],
    ['not an error at all', 'boom', 'transient'],
    // This message, refused for good.
    [
      '550 to RCPT TO',
      smtp({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }),
      'permanent',
    ],
    [
      '553 to MAIL FROM',
      smtp({ code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' }),
      'permanent',
    ],
    ['554 to DATA', smtp({ code: 'EMESSAGE', responseCode: 554, command: 'DATA' }), 'permanent'],
    ['envelope nodemailer refused', smtp({ code: 'EENVELOPE', command: 'API' }), 'permanent'],
    ['nodemailer configuration', smtp({ code: 'ECONFIG' }), 'permanent'],
    ['header that would break the message', new InvalidEmailError('line break'), 'permanent'],
    [
      'any error marked not retryable',
      Object.assign(new Error('no'), { retryable: false }),
      'permanent',
    ],
  ])('%s -> %s', (_, err, kind) => {
    expect(classifySendFailure(err)).toBe(kind);
  });

  test.each<[string, unknown, SendFailureKind]>([
    // Slow down: every replica waits Retry-After, no attempt, no breaker failure.
    ['429', http('HTTP_RATE_LIMITED', 429), 'throttled'],
    // The endpoint cannot take any message: wait for it, no attempt spent.
    ['connection refused', http('HTTP_CONNECTION_FAILED'), 'destination'],
    ['timeout', http('HTTP_TIMEOUT'), 'destination'],
    ['408', http('HTTP_TIMEOUT', 408), 'destination'],
    ['502', http('HTTP_SERVER_ERROR', 502), 'destination'],
    ['503', http('HTTP_SERVER_ERROR', 503), 'destination'],
    ['504', http('HTTP_SERVER_ERROR', 504), 'destination'],
    // Maybe this message: retried, each try counted, so it ends.
    ['500', http('HTTP_SERVER_ERROR', 500), 'transient'],
    ["Slack's internal_error (HTTP 200)", http('HTTP_SERVER_ERROR', 200), 'transient'],
    ['a reply not as documented', http('HTTP_BAD_REPLY', 200), 'transient'],
    ['our own abort', http('HTTP_ABORTED'), 'transient'],
    // Refused for good, with the provider's reason.
    ['400', http('HTTP_REJECTED', 400), 'permanent'],
    ['404 no_service', http('HTTP_REJECTED', 404), 'permanent'],
    ['no receiver configured', new NoDestinationError('no slack receiver'), 'permanent'],
  ])('HTTP: %s -> %s', (_, err, kind) => {
    expect(classifySendFailure(err)).toBe(kind);
  });
});
