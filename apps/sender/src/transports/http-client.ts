import { Agent, request } from 'undici';
import { HttpDeliveryError } from './http-errors.ts';
import { parseRetryAfter } from './retry-after.ts';

export interface HttpClientOptions {
  /** TCP and TLS connect (default 10 s). */
  connectTimeoutMs?: number;
  /** From the request's end to the response headers, and between body chunks (default 30 s). */
  responseTimeoutMs?: number;
  /** Most of a reply body kept; the rest is dropped (default 64 KiB). */
  maxReplyBytes?: number;
  /** `now` for Retry-After dates (tests). */
  now?: () => number;
}

/** What an endpoint answered. */
export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as UTF-8 text, cut at `maxReplyBytes`. */
  text: string;
}

const DEFAULTS = {
  connectTimeoutMs: 10_000, // 10 s
  responseTimeoutMs: 30_000, // 30 s
  maxReplyBytes: 64 * 1024, // 64 KiB: every documented reply is far smaller
};

// undici and Node name connection failures with these codes.
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A one-line excerpt of a reply body for error messages and receipts. */
export function excerpt(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}...` : line;
}

/** The JSON object a reply body holds, or undefined when it holds none. */
export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** First value of a header. */
export function header(reply: HttpReply, name: string): string | undefined {
  const value = reply.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Posts JSON over one shared connection pool (undici) with timeouts on every step, and
 * turns every way the call can fail before a reply into an HttpDeliveryError.
 */
export class HttpClient {
  readonly #agent: Agent;
  readonly #maxReplyBytes: number;
  readonly #now: () => number;

  constructor(options: HttpClientOptions = {}) {
    const settings = { ...DEFAULTS, ...withoutUndefined(options) };
    for (const [name, value] of Object.entries(settings)) {
      if (typeof value === 'number' && !(Number.isInteger(value) && value > 0)) {
        throw new RangeError(`${name} must be a positive whole number, got ${value}`);
      }
    }
    this.#agent = new Agent({
      connect: { timeout: settings.connectTimeoutMs },
      headersTimeout: settings.responseTimeoutMs,
      bodyTimeout: settings.responseTimeoutMs,
    });
    this.#maxReplyBytes = settings.maxReplyBytes;
    this.#now = options.now ?? Date.now;
  }

  /** POSTs `body` (already serialized JSON) and reads the reply; never follows redirects. */
  async postJson(
    url: string,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<HttpReply> {
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
        body,
        signal,
      });
      const text = await this.#readBounded(response.body);
      return { status: response.statusCode, headers: response.headers, text };
    } catch (err) {
      throw this.#failure(err, url, signal);
    }
  }

  /** Milliseconds a reply's Retry-After asks for, if any. */
  retryAfterMs(reply: HttpReply): number | undefined {
    return parseRetryAfter(header(reply, 'retry-after'), this.#now());
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #readBounded(body: AsyncIterable<Buffer>): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const room = this.#maxReplyBytes - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += chunk.length;
      // Leaving the loop destroys the stream: a huge reply is not read to its end.
      if (size >= this.#maxReplyBytes) break;
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  #failure(err: unknown, url: string, signal: AbortSignal): HttpDeliveryError {
    const where = new URL(url).host;
    if (signal.aborted) {
      return new HttpDeliveryError(`call to ${where} aborted`, {
        code: 'HTTP_ABORTED',
        cause: err,
      });
    }
    const code = errorCode(err) ?? errorCode((err as { cause?: unknown } | null)?.cause);
    if (code !== undefined && TIMEOUT_CODES.has(code)) {
      return new HttpDeliveryError(`${where} timed out (${code})`, {
        code: 'HTTP_TIMEOUT',
        cause: err,
      });
    }
    const text = err instanceof Error ? err.message : String(err);
    return new HttpDeliveryError(`${where} unreachable: ${code ?? text}`, {
      code: 'HTTP_CONNECTION_FAILED',
      cause: err,
    });
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The error for a reply that is not a success: 429 asks us to wait, 408 and 5xx are the
 * endpoint's trouble, any other 4xx refuses this message for `reason` (the provider's own).
 * `what` names the endpoint in the message ("Slack webhook").
 */
export function replyError(
  client: HttpClient,
  what: string,
  reply: HttpReply,
  reason: string,
): HttpDeliveryError {
  const { status } = reply;
  const details = { status, reason };
  if (status === 429) {
    const retryAfterMs = client.retryAfterMs(reply);
    return new HttpDeliveryError(`${what} rate limited (429)`, {
      code: 'HTTP_RATE_LIMITED',
      ...details,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  if (status === 408) {
    return new HttpDeliveryError(`${what} timed out (408): ${reason}`, {
      code: 'HTTP_TIMEOUT',
      ...details,
    });
  }
  if (status >= 500 && status <= 599) {
    return new HttpDeliveryError(`${what} failed (${status}): ${reason}`, {
      code: 'HTTP_SERVER_ERROR',
      ...details,
    });
  }
  if (status >= 400 && status <= 499) {
    return new HttpDeliveryError(`${what} refused the message (${status}): ${reason}`, {
      code: 'HTTP_REJECTED',
      ...details,
    });
  }
  return new HttpDeliveryError(`${what} answered ${status}: ${reason}`, {
    code: 'HTTP_BAD_REPLY',
    ...details,
  });
}
