import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { composeEmail } from './compose.ts';
import { MailboxWriteError } from './errors.ts';
import type { EmailReceipt, EmailTransport, OutgoingEmail } from './types.ts';

export interface MailboxTransportOptions {
  /** The folder that receives one `.eml` file per message; created when missing. */
  directory: string;
  now?: () => Date;
}

/** Readable part of a file name; the hash keeps names unique whatever was replaced. */
const READABLE_MAX_CHARS = 100;

/**
 * The file name for a Message-ID: its safe characters (others become `_`), then a hash of
 * the whole id, so the same message always maps to the same file and two different ids
 * never share one. Never starts with a dot, never contains a path separator.
 */
export function mailboxFileName(messageId: string): string {
  const readable = messageId
    .replace(/^<|>$/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, READABLE_MAX_CHARS);
  const hash = createHash('sha256').update(messageId).digest('hex').slice(0, 16);
  return `${readable || 'message'}-${hash}.eml`;
}

/**
 * Syncs a folder to disk, sharing one fsync among the writers that ask while it runs: each
 * caller resolves after an fsync that started after its call, so a rename it made before
 * asking is durable, and eight concurrent sends cost two directory syncs instead of eight.
 */
export class DirectorySync {
  readonly #syncFolder: () => Promise<void>;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  /** `syncFolder` is the one fsync; tests count it. */
  constructor(directory: string, syncFolder: () => Promise<void> = () => fsyncFolder(directory)) {
    this.#syncFolder = syncFolder;
  }

  sync(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#syncFolder().finally(() => (this.#running = undefined));
      return this.#running;
    }
    // One is under way, maybe from before our rename: join the one after it.
    this.#next ??= this.#running
      .catch(() => {})
      .then(() => {
        this.#next = undefined;
        return this.sync();
      });
    return this.#next;
  }
}

async function fsyncFolder(directory: string): Promise<void> {
  const dir = await open(directory, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Writes `data` to `path` atomically: temp file, fsync, rename. The caller syncs the folder. */
async function writeAtomically(
  directory: string,
  path: string,
  data: Buffer,
  signal: AbortSignal,
): Promise<void> {
  // Dot-prefixed so that whatever lists `*.eml` never sees a half-written file.
  const temp = join(directory, `.${randomUUID()}.tmp`);
  try {
    await writeFile(temp, data, { signal, flush: true });
    signal.throwIfAborted();
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Delivers to a folder of RFC 5322 `.eml` files: Herald's out-of-the-box receiver. The
 * file name follows from the Message-ID, so sending the same message again replaces its
 * file instead of adding a second one.
 */
export class MailboxTransport implements EmailTransport {
  readonly #directory: string;
  readonly #now: () => Date;
  readonly #directorySync: DirectorySync;
  // Created once, at the first send (and again after a failed write, in case it was removed).
  #folderReady: Promise<unknown> | undefined;

  constructor(options: MailboxTransportOptions) {
    if (options.directory.trim() === '') {
      throw new RangeError(
        `mailbox directory must not be empty, got ${JSON.stringify(options.directory)}`,
      );
    }
    this.#directory = options.directory;
    this.#now = options.now ?? (() => new Date());
    this.#directorySync = new DirectorySync(options.directory);
  }

  async send(message: OutgoingEmail, signal: AbortSignal): Promise<EmailReceipt> {
    const composed = composeEmail(message, this.#now());
    const path = join(this.#directory, mailboxFileName(composed.messageId));

    try {
      signal.throwIfAborted();
      const raw = await new MailComposer(composed).compile().build();
      this.#folderReady ??= mkdir(this.#directory, { recursive: true });
      await this.#folderReady;
      await writeAtomically(this.#directory, path, raw, signal);
      // The rename is only durable once the directory entry is on disk too.
      await this.#directorySync.sync();
    } catch (err) {
      this.#folderReady = undefined;
      if (signal.aborted) {
        throw new MailboxWriteError('writing the message was cancelled', 'MAILBOX_ABORTED', {
          cause: err,
        });
      }
      throw new MailboxWriteError(`could not write ${path}`, 'MAILBOX_WRITE_FAILED', {
        cause: err,
      });
    }

    return {
      transport: 'mailbox',
      messageId: composed.messageId,
      response: 'written',
      acceptedAt: this.#now().toISOString(),
      accepted: [...composed.to],
      path,
    };
  }

  /** Makes sure the folder exists and is writable. */
  async verify(): Promise<void> {
    try {
      await mkdir(this.#directory, { recursive: true });
      const probe = join(this.#directory, `.${randomUUID()}.probe`);
      await writeFile(probe, '');
      await rm(probe);
    } catch (err) {
      throw new MailboxWriteError(
        `mailbox folder ${this.#directory} is not writable`,
        'MAILBOX_WRITE_FAILED',
        {
          cause: err,
        },
      );
    }
  }

  /** Nothing to release: every send opens and closes its own files. */
  async close(): Promise<void> {}
}
