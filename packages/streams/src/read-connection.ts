import type { Redis } from 'ioredis';
import { ReadStalledError } from './errors.ts';

/** What one read attempt came to; failures reject. */
export type ReadResult = { kind: 'reply'; reply: unknown } | { kind: 'aborted' };

export interface ReadConnectionOptions {
  /** The caller's client; the read connection is a duplicate of it. */
  source: Redis;
  /** Shown in CLIENT LIST, so an operator (or a test) can find the blocking connection. */
  connectionName: string;
  stream: string;
  watchdogGraceMs: number;
  onConnectionError: (err: unknown) => void;
}

/**
 * The consumer's own connection for XREADGROUP, so a blocking read never holds up the
 * acks and claims on the caller's client, with a watchdog around every read for
 * the reads ioredis never settles after a network blip.
 */
export class ReadConnection {
  readonly #options: ReadConnectionOptions;
  #client: Redis;

  constructor(options: ReadConnectionOptions) {
    this.#options = options;
    this.#client = this.#create();
  }

  #create(): Redis {
    const client = this.#options.source.duplicate({
      connectionName: this.#options.connectionName,
      lazyConnect: true,
      // a per-command deadline also fires on BLOCK. The server-side BLOCK bounds
      // the wait and the watchdog below covers a reply that never arrives.
      commandTimeout: undefined,
      // One mechanism for stuck reads: ioredis's own opt-in blocking timeouts stay off.
      blockingTimeout: undefined,
      // A read cut off by a reconnect must fail, not be re-sent behind our back: the re-sent
      // XREADGROUP is what hangs in the ioredis reports behind R-27, and any entries it
      // fetched would land in our PEL with nobody awaiting them.
      autoResendUnfulfilledCommands: false,
      // While disconnected a read fails at once and the loop backs off, instead of reads
      // piling up in an offline queue.
      enableOfflineQueue: false,
    });
    // Without a listener ioredis prints connection errors to the console itself.
    client.on('error', this.#options.onConnectionError);
    return client;
  }

  /** The current client, for its status and CLIENT ID in diagnostics. */
  get client(): Redis {
    return this.#client;
  }

  /**
   * Sends XREADGROUP with `args`. `blockMs` is the BLOCK the args carry (0 for a
   * non-blocking read); the watchdog allows that plus the grace. Resolves `aborted` as
   * soon as `signal` aborts, leaving the read behind.
   */
  async read(args: (string | number)[], blockMs: number, signal: AbortSignal): Promise<ReadResult> {
    const deadlineMs = blockMs + this.#options.watchdogGraceMs;
    if (this.#client.status === 'end') {
      // A client whose retryStrategy gave up never comes back: build a fresh one.
      this.#client = this.#create();
    }
    if (this.#client.status === 'wait') {
      const connected = this.#client.connect();
      connected.catch(() => {});
      const result = await this.#watch(connected, deadlineMs, signal, false);
      if (result.kind === 'aborted') return result;
    } else if (this.#client.status !== 'ready') {
      if (!(await this.#whenReady(deadlineMs, signal))) return { kind: 'aborted' };
    }
    const command = this.#client.call('xreadgroup', ...args) as Promise<unknown>;
    return this.#watch(command, deadlineMs, signal, true);
  }

  /** Waits for a reconnecting client to be ready; false if `signal` aborted first. */
  #whenReady(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const client = this.#client;
    return new Promise((resolve) => {
      const finish = (ready: boolean) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        signal.removeEventListener('abort', onAbort);
        resolve(ready);
      };
      const onReady = () => finish(true);
      const onAbort = () => finish(false);
      // Past the timeout the read is sent anyway and fails fast, so the loop backs off.
      const timer = setTimeout(() => finish(true), timeoutMs);
      client.once('ready', onReady);
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) finish(false);
    });
  }

  #watch(
    pending: Promise<unknown>,
    deadlineMs: number,
    signal: AbortSignal,
    abandonOnStall: boolean,
  ): Promise<ReadResult> {
    const client = this.#client;
    // An abandoned read may still reject later (on close or reconnect); nobody awaits it.
    pending.catch(() => {});
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        finish();
        resolve({ kind: 'aborted' });
      };
      const onStall = () => {
        // interrupting a client that is still reconnecting can leave it stuck in
        // `reconnecting`. Only a client that claims to be ready while its read hangs is
        // cut off; otherwise ioredis finishes reconnecting and we look again later.
        if (!abandonOnStall || client.status !== 'ready') {
          timer = setTimeout(onStall, deadlineMs);
          return;
        }
        finish();
        client.disconnect(true);
        reject(new ReadStalledError(this.#options.stream, deadlineMs));
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(onStall, deadlineMs);
      pending.then(
        (reply) => {
          finish();
          resolve({ kind: 'reply', reply });
        },
        (err: unknown) => {
          finish();
          reject(err);
        },
      );
    });
  }

  /** Drops the connection at once, ending a blocked read on the server too. */
  close(): void {
    this.#client.disconnect();
  }
}
