import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isInvalidEmailError, isSmtpSendError, type SmtpSendError } from './errors.ts';
import { parseEml } from './parse-eml.ts';
import { SmtpTransport, type SmtpTransportOptions } from './smtp.ts';
import {
  closedPort,
  startSilentServer,
  startTestSmtpServer,
  type TestSmtpServer,
  type TestSmtpServerOptions,
} from './smtp-test-server.ts';
import { createTestCertificates, type TestCertificates } from '@herald/testkit';
import { testMessage, UTF8_TEXT } from './test-message.ts';

const NOW = new Date('2026-12-04T12:00:00.000Z');
const FAST_TIMEOUTS = {
  connectionTimeoutMs: 2_000,
  greetingTimeoutMs: 2_000,
  socketTimeoutMs: 5_000,
};
const CREDENTIALS = { user: 'herald', pass: 's3cret' };

let cert: TestCertificates;

beforeAll(() => {
  cert = createTestCertificates();
});

afterAll(async () => {
  await rm(cert.dir, { recursive: true, force: true });
});

/** Runs `body` against a fresh server and transport, closing both afterwards. */
async function withServer(
  serverOptions: TestSmtpServerOptions,
  transportOptions: Omit<SmtpTransportOptions, 'host' | 'port'>,
  body: (server: TestSmtpServer, transport: SmtpTransport) => Promise<void>,
): Promise<void> {
  const server = await startTestSmtpServer(serverOptions);
  const transport = new SmtpTransport({
    host: '127.0.0.1',
    port: server.port,
    now: () => NOW,
    ...FAST_TIMEOUTS,
    ...transportOptions,
  });
  try {
    await body(server, transport);
  } finally {
    await transport.close();
    await server.close();
  }
}

async function sendError(transport: SmtpTransport, signal = new AbortController().signal) {
  const err: unknown = await transport.send(testMessage(), signal).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isSmtpSendError(err)).toBe(true);
  return err as SmtpSendError;
}

const tls = () => ({ key: cert.key, cert: cert.cert });

describe('SmtpTransport delivery', () => {
  test('delivers with Message-ID, X-Herald headers, subject and UTF-8 bodies intact', async () => {
    // The server offers STARTTLS; security 'none' must still stay in plaintext.
    await withServer({}, { security: 'none' }, async (server, transport) => {
      const receipt = await transport.send(testMessage(), new AbortController().signal);

      expect(receipt).toMatchObject({
        transport: 'smtp',
        messageId: '<alert-1.ops@herald>',
        acceptedAt: NOW.toISOString(),
        accepted: ['soc@example.com'],
        rejected: [],
      });
      expect(receipt.response).toMatch(/^250 /);

      expect(server.received).toHaveLength(1);
      const [received] = server.received;
      expect(received).toMatchObject({
        from: 'herald@example.com',
        to: ['soc@example.com'],
        secure: false,
      });
      const mail = parseEml(received!.raw);
      expect(mail.header('Message-ID')).toBe('<alert-1.ops@herald>');
      expect(mail.header('Subject')).toBe(testMessage().subject);
      expect(mail.header('X-Herald-Alert-Id')).toBe('alert-1');
      expect(mail.header('X-Herald-Rule-Id')).toBe('5712');
      expect(mail.header('X-Herald-Rule-Level')).toBe('10');
      expect(mail.header('X-Herald-Priority')).toBe('high');
      expect(new Date(mail.header('Date') ?? '').toISOString()).toBe(NOW.toISOString());
      expect(mail.text).toContain(`Plain body: ${UTF8_TEXT}\nSecond line.`);
      expect(mail.html).toContain(`<p>HTML body: ${UTF8_TEXT}</p>`);
    });
  });

  test('a Message-ID without angle brackets goes out with them', async () => {
    await withServer({}, { security: 'none' }, async (server, transport) => {
      const receipt = await transport.send(
        testMessage({ messageId: 'alert-2.ops@herald' }),
        new AbortController().signal,
      );
      expect(receipt.messageId).toBe('<alert-2.ops@herald>');
      expect(parseEml(server.received[0]!.raw).header('Message-ID')).toBe('<alert-2.ops@herald>');
    });
  });

  test('a refused recipient among accepted ones is named in the receipt', async () => {
    const onRcptTo = (address: string) =>
      address === 'gone@example.com' ? { responseCode: 550, message: 'No such user' } : undefined;
    await withServer({ onRcptTo }, { security: 'none' }, async (server, transport) => {
      const receipt = await transport.send(
        testMessage({ to: ['soc@example.com', 'gone@example.com'] }),
        new AbortController().signal,
      );
      expect(receipt.accepted).toEqual(['soc@example.com']);
      expect(receipt.rejected).toEqual(['gone@example.com']);
      expect(server.received[0]?.to).toEqual(['soc@example.com']);
    });
  });

  test('a header that would break the message is refused before connecting', async () => {
    await withServer({}, { security: 'none' }, async (server, transport) => {
      const bad = testMessage({ headers: { 'X-Herald-Rule-Id': '1\r\nBcc: x@example.com' } });
      const err = await transport.send(bad, new AbortController().signal).catch((e: unknown) => e);
      expect(isInvalidEmailError(err)).toBe(true);
      expect(err).toMatchObject({ retryable: false, breakerOutcome: 'ignore' });
      expect(server.received).toHaveLength(0);
    });
  });
});

describe('SmtpTransport authentication', () => {
  test.each(['PLAIN', 'LOGIN'] as const)('AUTH %s is used and accepted', async (method) => {
    await withServer(
      { credentials: CREDENTIALS },
      { security: 'none', auth: CREDENTIALS, authMethod: method },
      async (server, transport) => {
        await transport.send(testMessage(), new AbortController().signal);
        expect(server.logins).toEqual([{ method, username: 'herald', secure: false }]);
        expect(server.received[0]?.user).toBe('herald');
      },
    );
  });

  test('a wrong password is a permanent error that the breaker counts', async () => {
    await withServer(
      { credentials: CREDENTIALS },
      { security: 'none', auth: { user: 'herald', pass: 'wrong' } },
      async (server, transport) => {
        const err = await sendError(transport);
        expect(err).toMatchObject({
          code: 'SMTP_AUTH_FAILED',
          retryable: false,
          responseCode: 535,
        });
        expect(err.breakerOutcome).toBeUndefined();
        expect(err.response).toContain('Invalid username or password');
        expect(server.received).toHaveLength(0);
      },
    );
  });

  test('no credentials for a server that requires them is an auth failure', async () => {
    await withServer(
      { credentials: CREDENTIALS },
      { security: 'none' },
      async (server, transport) => {
        const err = await sendError(transport);
        expect(err).toMatchObject({
          code: 'SMTP_AUTH_FAILED',
          retryable: false,
          responseCode: 530,
        });
        expect(server.received).toHaveLength(0);
      },
    );
  });

  test('verify() logs in, and reports a refused login', async () => {
    await withServer(
      { credentials: CREDENTIALS },
      { security: 'none', auth: CREDENTIALS },
      async (_server, transport) => {
        await expect(transport.verify()).resolves.toBeUndefined();
      },
    );
    await withServer(
      { credentials: CREDENTIALS },
      { security: 'none', auth: { user: 'herald', pass: 'wrong' } },
      async (_server, transport) => {
        await expect(transport.verify()).rejects.toMatchObject({ code: 'SMTP_AUTH_FAILED' });
      },
    );
  });
});

describe('SmtpTransport TLS', () => {
  test('STARTTLS with the certificate trusted through the CA file', async () => {
    await withServer(
      { ...tls(), credentials: CREDENTIALS },
      { security: 'starttls', caFile: cert.caFile, auth: CREDENTIALS },
      async (server, transport) => {
        await transport.send(testMessage(), new AbortController().signal);
        expect(server.received).toHaveLength(1);
        expect(server.received[0]?.secure).toBe(true);
      },
    );
  });

  test('STARTTLS with an untrusted certificate fails and sends nothing', async () => {
    await withServer(tls(), { security: 'starttls' }, async (server, transport) => {
      const err = await sendError(transport);
      expect(err).toMatchObject({ code: 'SMTP_TLS_FAILED', retryable: true });
      expect(server.received).toHaveLength(0);
    });
  });

  test('STARTTLS with rejectUnauthorized false accepts the untrusted certificate', async () => {
    await withServer(
      tls(),
      { security: 'starttls', rejectUnauthorized: false },
      async (server, transport) => {
        await transport.send(testMessage(), new AbortController().signal);
        expect(server.received[0]?.secure).toBe(true);
      },
    );
  });

  test('STARTTLS required but not offered fails instead of falling back to plaintext', async () => {
    await withServer(
      { ...tls(), withoutStartTls: true },
      { security: 'starttls', caFile: cert.caFile },
      async (server, transport) => {
        const err = await sendError(transport);
        expect(err.code).toBe('SMTP_TLS_FAILED');
        expect(server.received).toHaveLength(0);
      },
    );
  });

  test('implicit TLS with the certificate trusted', async () => {
    await withServer(
      { ...tls(), secure: true },
      { security: 'tls', caFile: cert.caFile },
      async (server, transport) => {
        await transport.send(testMessage(), new AbortController().signal);
        expect(server.received[0]?.secure).toBe(true);
      },
    );
  });

  test('implicit TLS with an untrusted certificate fails', async () => {
    await withServer({ ...tls(), secure: true }, { security: 'tls' }, async (server, transport) => {
      const err = await sendError(transport);
      expect(err).toMatchObject({ code: 'SMTP_TLS_FAILED', retryable: true });
      expect(server.received).toHaveLength(0);
    });
  });
});

describe('SmtpTransport replies and failures', () => {
  const reply = (responseCode: number, message: string) => () => ({ responseCode, message });

  test.each([
    ['RCPT', { onRcptTo: reply(451, 'Try again later') }],
    ['DATA', { onData: reply(451, 'Try again later') }],
  ] as const)('451 to %s is retryable and counts against the destination', async (_, options) => {
    await withServer(options, { security: 'none' }, async (server, transport) => {
      const err = await sendError(transport);
      expect(err).toMatchObject({ code: 'SMTP_REJECTED', retryable: true, responseCode: 451 });
      expect(err.breakerOutcome).toBeUndefined();
      expect(err.response).toContain('Try again later');
      expect(err.message).toContain('451');
      expect(err.cause).toBeInstanceOf(Error);
      expect(server.received).toHaveLength(0);
    });
  });

  test.each([
    ['RCPT', { onRcptTo: reply(550, 'Mailbox unavailable') }],
    ['DATA', { onData: reply(550, 'Message refused') }],
  ] as const)('550 to %s is permanent and ignored by the breaker', async (_, options) => {
    await withServer(options, { security: 'none' }, async (_server, transport) => {
      const err = await sendError(transport);
      expect(err).toMatchObject({
        code: 'SMTP_REJECTED',
        retryable: false,
        responseCode: 550,
        breakerOutcome: 'ignore',
      });
    });
  });

  test('a 554 greeting refuses every message: retryable, and the breaker counts it', async () => {
    const options = { onConnect: reply(554, 'No SMTP service here') };
    await withServer(options, { security: 'none' }, async (server, transport) => {
      const err = await sendError(transport);
      expect(err).toMatchObject({ code: 'SMTP_REJECTED', retryable: true, responseCode: 554 });
      expect(err.command).toBe('CONN');
      expect(err.breakerOutcome).toBeUndefined();
      expect(server.received).toHaveLength(0);
    });
  });

  test('a server that accepts but never greets times out within the greeting timeout', async () => {
    const silent = await startSilentServer();
    const transport = new SmtpTransport({
      host: '127.0.0.1',
      port: silent.port,
      security: 'none',
      ...FAST_TIMEOUTS,
      greetingTimeoutMs: 200,
    });
    try {
      const started = performance.now();
      const err = await sendError(transport);
      const elapsed = performance.now() - started;

      expect(err).toMatchObject({ code: 'SMTP_TIMEOUT', retryable: true });
      expect(elapsed).toBeGreaterThanOrEqual(150);
      expect(elapsed).toBeLessThan(1_500);
    } finally {
      await transport.close();
      await silent.close();
    }
  });

  test('aborting the signal ends the attempt and closes the connection', async () => {
    const silent = await startSilentServer();
    const transport = new SmtpTransport({
      host: '127.0.0.1',
      port: silent.port,
      security: 'none',
      connectionTimeoutMs: 10_000,
      greetingTimeoutMs: 10_000,
    });
    try {
      const controller = new AbortController();
      const pending = sendError(transport, controller.signal);
      const socket = await silent.nextConnection();
      const closed = once(socket, 'close');

      const started = performance.now();
      controller.abort(new Error('worker stopping'));
      const err = await pending;

      expect(performance.now() - started).toBeLessThan(1_000);
      expect(err).toMatchObject({
        code: 'SMTP_ABORTED',
        retryable: true,
        breakerOutcome: 'ignore',
      });
      await closed;
    } finally {
      await transport.close();
      await silent.close();
    }
  });

  test('a refused connection is retryable', async () => {
    const transport = new SmtpTransport({
      host: '127.0.0.1',
      port: await closedPort(),
      security: 'none',
      ...FAST_TIMEOUTS,
    });
    const err = await sendError(transport);
    expect(err).toMatchObject({ code: 'SMTP_CONNECTION_FAILED', retryable: true });
    await transport.close();
  });

  test('send after close is refused as retryable, without judging the destination', async () => {
    const transport = new SmtpTransport({ host: '127.0.0.1', port: 25, security: 'none' });
    await transport.close();
    await transport.close();
    const err = await sendError(transport);
    expect(err).toMatchObject({ code: 'SMTP_TRANSPORT_CLOSED', breakerOutcome: 'ignore' });
  });

  test('bad options are refused at construction', () => {
    const base = { host: '127.0.0.1', security: 'none' } as const;
    expect(() => new SmtpTransport({ ...base, port: 70_000 })).toThrow(RangeError);
    expect(() => new SmtpTransport({ ...base, greetingTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => new SmtpTransport({ ...base, host: ' ' })).toThrow(RangeError);
    expect(() => new SmtpTransport({ ...base, security: 'constructor' as 'none' })).toThrow(
      RangeError,
    );
    expect(() => new SmtpTransport({ ...base, caFile: '/nonexistent/ca.pem' })).toThrow(/ENOENT/);
    expect(() => new SmtpTransport({ ...base, greetingTimeoutMs: undefined })).not.toThrow();
  });
});
