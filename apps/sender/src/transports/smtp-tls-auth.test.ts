// AUTH over TLS against the smtp-server process: the password only ever crosses an
// encrypted session, after STARTTLS or from the first byte (implicit TLS).
import { rm } from 'node:fs/promises';
import { createTestCertificates, type TestCertificates } from '@herald/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isSmtpSendError } from './errors.ts';
import { SmtpTransport, type SmtpSecurity } from './smtp.ts';
import { startTestSmtpServer } from './smtp-test-server.ts';
import { testMessage } from './test-message.ts';

const CREDENTIALS = { user: 'herald', pass: 's3cret' };
let cert: TestCertificates;

beforeAll(() => {
  cert = createTestCertificates();
});

afterAll(async () => {
  await rm(cert.dir, { recursive: true, force: true });
});

async function sendWith(
  security: Exclude<SmtpSecurity, 'none'>,
  method: 'PLAIN' | 'LOGIN',
  pass: string,
) {
  const server = await startTestSmtpServer({
    key: cert.key,
    cert: cert.cert,
    secure: security === 'tls',
    credentials: CREDENTIALS,
  });
  const transport = new SmtpTransport({
    host: '127.0.0.1',
    port: server.port,
    security,
    caFile: cert.caFile,
    auth: { user: CREDENTIALS.user, pass },
    authMethod: method,
    connectionTimeoutMs: 2_000,
    greetingTimeoutMs: 2_000,
    socketTimeoutMs: 5_000,
  });
  try {
    const outcome = await transport.send(testMessage(), new AbortController().signal).then(
      (receipt) => ({ receipt, err: undefined }),
      (err: unknown) => ({ receipt: undefined, err }),
    );
    return { ...outcome, logins: server.logins, received: server.received };
  } finally {
    await transport.close();
    await server.close();
  }
}

describe('SmtpTransport AUTH over TLS', () => {
  test.each([
    ['starttls', 'PLAIN'],
    ['starttls', 'LOGIN'],
    ['tls', 'PLAIN'],
    ['tls', 'LOGIN'],
  ] as const)(
    '%s with AUTH %s logs in on the encrypted session and delivers',
    async (security, method) => {
      const { receipt, logins, received } = await sendWith(security, method, CREDENTIALS.pass);
      expect(receipt?.response).toMatch(/^250 /);
      expect(logins).toEqual([{ method, username: 'herald', secure: true }]);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ secure: true, user: 'herald' });
    },
  );

  test.each(['starttls', 'tls'] as const)(
    '%s with a wrong password: refused login, nothing sent',
    async (security) => {
      const { err, logins, received } = await sendWith(security, 'PLAIN', 'wrong');
      expect(isSmtpSendError(err)).toBe(true);
      expect(err).toMatchObject({ code: 'SMTP_AUTH_FAILED', responseCode: 535 });
      expect(logins).toEqual([{ method: 'PLAIN', username: 'herald', secure: true }]);
      expect(received).toHaveLength(0);
    },
  );
});
