import { describe, expect, test } from 'vitest';
import { isSmtpSendError } from './errors.ts';
import { toSmtpSendError } from './smtp-errors.ts';

function nodemailerError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error('nodemailer says no'), fields);
}

describe('toSmtpSendError', () => {
  test.each([
    [{ code: 'ECONNECTION' }, 'SMTP_CONNECTION_FAILED', true, undefined],
    [{ code: 'ESOCKET', originalCode: 'ECONNRESET' }, 'SMTP_CONNECTION_FAILED', true, undefined],
    [{ code: 'EDNS' }, 'SMTP_CONNECTION_FAILED', true, undefined],
    [{ code: 'ETIMEDOUT' }, 'SMTP_TIMEOUT', true, undefined],
    [{ code: 'ETLS' }, 'SMTP_TLS_FAILED', true, undefined],
    [{ code: 'ESOCKET', originalCode: 'CERT_HAS_EXPIRED' }, 'SMTP_TLS_FAILED', true, undefined],
    [
      { code: 'ESOCKET', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID' },
      'SMTP_TLS_FAILED',
      true,
      undefined,
    ],
    [{ code: 'EAUTH', responseCode: 535 }, 'SMTP_AUTH_FAILED', false, undefined],
    [{ code: 'EAUTH', responseCode: 454 }, 'SMTP_AUTH_FAILED', true, undefined],
    [{ code: 'ENOAUTH' }, 'SMTP_AUTH_FAILED', false, undefined],
    [{ code: 'EENVELOPE', responseCode: 530 }, 'SMTP_AUTH_FAILED', false, undefined],
    [{ code: 'EENVELOPE', responseCode: 421 }, 'SMTP_REJECTED', true, undefined],
    [{ code: 'EENVELOPE', responseCode: 452 }, 'SMTP_REJECTED', true, undefined],
    [{ code: 'EMESSAGE', responseCode: 503 }, 'SMTP_REJECTED', true, undefined],
    [
      { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' },
      'SMTP_REJECTED',
      false,
      'ignore',
    ],
    [
      { code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' },
      'SMTP_REJECTED',
      false,
      'ignore',
    ],
    [{ code: 'EMESSAGE', responseCode: 554, command: 'DATA' }, 'SMTP_REJECTED', false, 'ignore'],
    // A 5xx to the session's commands refuses every message: the server's problem.
    [{ code: 'EPROTOCOL', responseCode: 554, command: 'CONN' }, 'SMTP_REJECTED', true, undefined],
    [{ code: 'ECONNECTION', responseCode: 550, command: 'EHLO' }, 'SMTP_REJECTED', true, undefined],
    [{ code: 'EENVELOPE', responseCode: 550 }, 'SMTP_REJECTED', true, undefined],
    [{ code: 'EENVELOPE' }, 'SMTP_MESSAGE_INVALID', false, 'ignore'],
    [{ code: 'EPROTOCOL' }, 'SMTP_PROTOCOL_ERROR', true, undefined],
    [{ code: 'ECONFIG' }, 'SMTP_CONFIG_INVALID', false, undefined],
    [{ code: 'EABORT' }, 'SMTP_ABORTED', true, 'ignore'],
    [{}, 'SMTP_FAILED', true, undefined],
  ])('%o -> %s (retryable %s, breaker %s)', (fields, code, retryable, breakerOutcome) => {
    const original = nodemailerError(fields);
    const err = toSmtpSendError(original);

    expect(isSmtpSendError(err)).toBe(true);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.breakerOutcome).toBe(breakerOutcome);
    expect(err.cause).toBe(original);
  });

  test('keeps the reply code, reply text and command, and names the reply in the message', () => {
    const err = toSmtpSendError(
      nodemailerError({
        code: 'EENVELOPE',
        responseCode: 550,
        response: '550 5.1.1 <x@example.com>: no such user',
        command: 'RCPT TO',
      }),
    );
    expect(err).toMatchObject({
      responseCode: 550,
      response: '550 5.1.1 <x@example.com>: no such user',
      command: 'RCPT TO',
    });
    expect(err.message).toBe(
      'the SMTP server refused the message: 550 5.1.1 <x@example.com>: no such user',
    );
  });

  test('copes with something that is not an error at all', () => {
    expect(toSmtpSendError('boom')).toMatchObject({ code: 'SMTP_FAILED', retryable: true });
  });
});
