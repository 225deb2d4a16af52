import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, test } from 'vitest';
import { messageKey } from '../receivers.ts';
import { corpusAlerts, emailInputFor } from '../test-fixtures.ts';
import { renderEmail } from './render.ts';

/** The message as the sender's mail library writes it, split into unfolded headers and body. */
async function asMime(
  description: string,
): Promise<{ headers: string[]; subject: string; raw: string }> {
  const base = corpusAlerts()[0]!.alert;
  const input = emailInputFor(
    { ...base, rule: { ...base.rule, description } },
    '0b8f3c1e-5d2a-4e7b-9c61-2f4a8d9e0b13',
  );
  const email = renderEmail({ ...input, analysis: { ...input.analysis, title: description } });
  const raw = (
    await new MailComposer({
      from: email.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      headers: email.headers,
      messageId: messageKey(input.alertId, 'soc'),
      disableFileAccess: true,
      disableUrlAccess: true,
    })
      .compile()
      .build()
  ).toString('utf8');
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return { headers: head.split('\r\n'), subject: email.subject, raw };
}

/** RFC 2047 encoded-words decoded (B and Q), as a mail client shows the subject. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('binary')
        : text
            .replace(/_/g, ' ')
            .replace(/=([0-9A-F]{2})/gi, (__, hex: string) =>
              String.fromCharCode(parseInt(hex, 16)),
            ),
    )
    .replace(/[\x80-\xff]+/g, (bytes) => Buffer.from(bytes, 'binary').toString('utf8'));
}

describe('the rendered email as MIME', () => {
  test('a non-ASCII subject goes out as RFC 2047 encoded-words that read back the same', async () => {
    const { headers, subject } = await asMime('Ошибка входа 登录失败 on web-01');
    const line = headers.find((header) => header.startsWith('Subject: '))!;
    expect(line).toMatch(/=\?UTF-8\?[BQ]\?/i);
    expect(line).toMatch(/^[\x20-\x7E]+$/);
    expect(decodeWords(line.slice('Subject: '.length))).toBe(subject);
  });

  test('CRLF in alert text adds no header; X-Herald-* and the stable Message-ID are there', async () => {
    const { headers } = await asMime('x\r\nBcc: victim@example.com\r\n\r\n<b>body</b>');
    expect(headers.filter((header) => /^bcc:/i.test(header))).toEqual([]);
    expect(headers).toContain('Message-ID: <0b8f3c1e-5d2a-4e7b-9c61-2f4a8d9e0b13.soc@herald>');
    // Header names are case-insensitive (nodemailer writes `X-Herald-Rule-ID`).
    const named = (line: string) =>
      headers.filter((header) => header.toLowerCase() === line.toLowerCase());
    expect(named('X-Herald-Rule-Id: 5712')).toHaveLength(1);
    expect(named('X-Herald-Alert-Id: 0b8f3c1e-5d2a-4e7b-9c61-2f4a8d9e0b13')).toHaveLength(1);
    expect(named('X-Herald-Priority: high')).toHaveLength(1);
    expect(headers.some((header) => /^Content-Type: multipart\/alternative/.test(header))).toBe(
      true,
    );
  });

  test('both bodies are declared UTF-8', async () => {
    const { raw } = await asMime('Ошибка');
    expect(raw).toMatch(/Content-Type: text\/plain; charset=utf-8/);
    expect(raw).toMatch(/Content-Type: text\/html; charset=utf-8/);
  });
});
