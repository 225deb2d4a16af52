import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, test, vi } from 'vitest';
import { isInvalidEmailError, isMailboxWriteError } from './errors.ts';
import { DirectorySync, MailboxTransport, mailboxFileName } from './mailbox.ts';
import { parseEml } from './parse-eml.ts';
import { testMessage, UTF8_TEXT } from './test-message.ts';

const NOW = new Date('2026-12-04T12:00:00.000Z');

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'herald-mailbox-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const signal = () => new AbortController().signal;

describe('MailboxTransport', () => {
  test('writes one .eml file named after the Message-ID, parseable with its headers', async () => {
    const transport = new MailboxTransport({ directory, now: () => NOW });
    const receipt = await transport.send(testMessage(), signal());

    const name = mailboxFileName('<alert-1.ops@herald>');
    expect(name).toMatch(/^alert-1.ops_herald-[0-9a-f]{16}\.eml$/);
    expect(receipt).toEqual({
      transport: 'mailbox',
      messageId: '<alert-1.ops@herald>',
      response: 'written',
      acceptedAt: NOW.toISOString(),
      accepted: ['soc@example.com'],
      path: join(directory, name),
    });
    expect(await readdir(directory)).toEqual([name]);

    const mail = parseEml(await readFile(join(directory, name), 'utf8'));
    expect(mail.header('Message-ID')).toBe('<alert-1.ops@herald>');
    expect(mail.header('From')).toBe('herald@example.com');
    expect(mail.header('To')).toBe('soc@example.com');
    expect(mail.header('Subject')).toBe(testMessage().subject);
    expect(mail.header('X-Herald-Alert-Id')).toBe('alert-1');
    expect(mail.header('X-Herald-Rule-Id')).toBe('5712');
    expect(mail.header('X-Herald-Rule-Level')).toBe('10');
    expect(mail.header('X-Herald-Priority')).toBe('high');
    expect(mail.header('MIME-Version')).toBe('1.0');
    expect(new Date(mail.header('Date') ?? '').toISOString()).toBe(NOW.toISOString());
    expect(mail.text).toContain(`Plain body: ${UTF8_TEXT}\nSecond line.`);
    expect(mail.html).toContain(`<p>HTML body: ${UTF8_TEXT}</p>`);
  });

  test('sending the same message again replaces its file', async () => {
    const transport = new MailboxTransport({ directory });
    await transport.send(testMessage({ text: 'first attempt' }), signal());
    const second = await transport.send(testMessage({ text: 'second attempt' }), signal());

    expect(await readdir(directory)).toEqual([mailboxFileName('<alert-1.ops@herald>')]);
    const mail = parseEml(await readFile(second.path ?? '', 'utf8'));
    expect(mail.text).toContain('second attempt');
  });

  test('a Message-ID with or without brackets maps to the same file', async () => {
    const transport = new MailboxTransport({ directory });
    await transport.send(testMessage({ messageId: 'alert-1.ops@herald' }), signal());
    await transport.send(testMessage({ messageId: '<alert-1.ops@herald>' }), signal());
    expect(await readdir(directory)).toHaveLength(1);
  });

  test('different messages get different files, even when their safe names collide', async () => {
    const transport = new MailboxTransport({ directory });
    await transport.send(testMessage({ messageId: '<a/b@herald>' }), signal());
    await transport.send(testMessage({ messageId: '<a_b@herald>' }), signal());
    await transport.send(testMessage({ messageId: '<alert-1.pager@herald>' }), signal());
    expect(await readdir(directory)).toHaveLength(3);
  });

  test('file names stay inside the folder and are never hidden', () => {
    for (const id of ['<../../etc/passwd@x>', '<.hidden@x>', '<\\..\\win@x>', '<@@@>']) {
      const name = mailboxFileName(id);
      expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*\.eml$/);
      expect(name).not.toContain('..');
    }
    expect(mailboxFileName('<a@x>')).toBe(mailboxFileName('<a@x>'));
  });

  test('creates the folder when it is missing', async () => {
    const nested = join(directory, 'new', 'mailbox');
    const receipt = await new MailboxTransport({ directory: nested }).send(testMessage(), signal());
    expect(receipt.path?.startsWith(nested)).toBe(true);
    expect(await readdir(nested)).toHaveLength(1);
  });

  test('an aborted send writes nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await new MailboxTransport({ directory })
      .send(testMessage(), controller.signal)
      .catch((e: unknown) => e);

    expect(isMailboxWriteError(err)).toBe(true);
    expect(err).toMatchObject({
      code: 'MAILBOX_ABORTED',
      retryable: true,
      breakerOutcome: 'ignore',
    });
    expect(await readdir(directory)).toEqual([]);
  });

  test('a folder that cannot be written is a retryable error, and verify() reports it', async () => {
    const blocker = join(directory, 'not-a-folder');
    await writeFile(blocker, 'x');
    const transport = new MailboxTransport({ directory: join(blocker, 'mailbox') });

    const err = await transport.send(testMessage(), signal()).catch((e: unknown) => e);
    expect(isMailboxWriteError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'MAILBOX_WRITE_FAILED', retryable: true });
    expect((err as Error).cause).toBeInstanceOf(Error);
    await expect(transport.verify()).rejects.toMatchObject({ code: 'MAILBOX_WRITE_FAILED' });
    await expect(new MailboxTransport({ directory }).verify()).resolves.toBeUndefined();
    expect(await readdir(directory)).toEqual(['not-a-folder']);
  });

  test('a subject with a line break is refused, not written', async () => {
    const err = await new MailboxTransport({ directory })
      .send(testMessage({ subject: 'one\r\nBcc: x@example.com' }), signal())
      .catch((e: unknown) => e);
    expect(isInvalidEmailError(err)).toBe(true);
    expect(await readdir(directory)).toEqual([]);
  });
});

describe('DirectorySync', () => {
  it('shares one fsync among the writers that ask while it runs, each served by one started after its call', async () => {
    const started: PromiseWithResolvers<void>[] = [];
    const sync = new DirectorySync('/unused', () => {
      const run = Promise.withResolvers<void>();
      started.push(run);
      return run.promise;
    });
    const done: number[] = [];
    const first = sync.sync().then(() => done.push(0));
    // Seven more ask while the first runs: their renames may have come after it started.
    const later = Array.from({ length: 7 }, (_, i) => sync.sync().then(() => done.push(i + 1)));
    expect(started).toHaveLength(1);

    started[0]!.resolve();
    await first;
    expect(done).toEqual([0]);
    await vi.waitFor(() => expect(started).toHaveLength(2));
    started[1]!.resolve();
    await Promise.all(later);
    expect(done).toHaveLength(8);
    expect(started).toHaveLength(2);
  });
});
