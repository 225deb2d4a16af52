import type { CliIo } from './command.ts';

/** Where the CLI finds Herald when HERALD_URL is not set. */
export const DEFAULT_HERALD_URL = 'http://127.0.0.1:8080';

/** How long one request may take before the CLI gives up on it. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A request to Herald that failed: no answer at all, or an answer the command cannot use.
 * `message` is the sentence the CLI prints; `status` is absent when nothing answered.
 */
export class HeraldRequestError extends Error {
  readonly code = 'CLI_HERALD_REQUEST';
  readonly status: number | undefined;
  /** Seconds the server asked to wait (Retry-After of a 429 or 503). */
  readonly retryAfterSeconds: number | undefined;
  /** The JSON body of the error answer, when it had one. */
  readonly body: unknown;

  constructor(
    message: string,
    details: { status?: number; retryAfterSeconds?: number; body?: unknown; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? {} : { cause: details.cause });
    this.name = 'HeraldRequestError';
    this.status = details.status;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.body = details.body;
  }
}

export function isHeraldRequestError(err: unknown): err is HeraldRequestError {
  return err instanceof HeraldRequestError;
}

/** An answer Herald gave with a status the command expected. */
export interface HeraldResponse<T> {
  status: number;
  body: T;
}

/** What a request carries besides its method and path. */
export interface RequestOptions {
  /** JSON-encoded unless `contentType` is given, in which case it is sent as is. */
  body?: unknown;
  contentType?: string;
  /** Statuses that are answers, not failures (default: 2xx). */
  accept?: readonly number[];
}

/** Talks to one running Herald over HTTP with the operator's API key. */
export interface HeraldClient {
  /** The base URL, as the messages name it. */
  readonly url: string;
  request<T>(method: string, path: string, options?: RequestOptions): Promise<HeraldResponse<T>>;
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** The sentence for a failed answer: what the status means to an operator, then the server's words. */
function describeStatus(status: number, serverError: string | undefined, url: string): string {
  const said = serverError ? `: ${serverError}` : '';
  switch (status) {
    case 401:
      return `401: the API key was refused by ${url} (set HERALD_API_KEY)${said}`;
    case 403:
      return `403: the API key may not do this${said}`;
    case 404:
      return `404${said || `: no such route on ${url}; is it a Herald ingest API?`}`;
    case 429:
    case 503:
      return `${status}: Herald is busy or a store is unavailable${said}`;
    default:
      return `${status}${said || ': Herald answered with an error and no explanation'}`;
  }
}

/** Finds the deepest cause's code, e.g. ECONNREFUSED inside fetch's TypeError. */
function causeCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describeNoAnswer(err: unknown, url: string, timeoutMs: number): string {
  if (err instanceof DOMException && err.name === 'TimeoutError') {
    return `no answer from ${url} within ${timeoutMs} ms; is Herald running and reachable?`;
  }
  const code = causeCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused: is Herald running at ${url}?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host of ${url} (HERALD_URL)`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `the connection to ${url} was closed before an answer; is Herald running there?`;
    default:
      return `cannot reach Herald at ${url}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * A client for the Herald at HERALD_URL (default http://127.0.0.1:8080) with the key in
 * HERALD_API_KEY. Every failure becomes a HeraldRequestError whose message names what went
 * wrong in the operator's terms: a refused key, a refused connection, the server's own error.
 */
export function createHeraldClient(
  env: CliIo['env'],
  { timeoutMs = DEFAULT_TIMEOUT_MS }: { timeoutMs?: number } = {},
): HeraldClient {
  const url = (env.HERALD_URL?.trim() || DEFAULT_HERALD_URL).replace(/\/+$/, '');
  try {
    new URL(url);
  } catch (err) {
    throw new HeraldRequestError(`HERALD_URL is not a URL: ${url}`, { cause: err });
  }
  const key = env.HERALD_API_KEY?.trim();

  return {
    url,
    async request<T>(method: string, path: string, options: RequestOptions = {}) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (key) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json';
        body =
          options.contentType === undefined ? JSON.stringify(options.body) : String(options.body);
      }

      let response: Response;
      try {
        response = await fetch(`${url}${path}`, {
          method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new HeraldRequestError(describeNoAnswer(err, url, timeoutMs), { cause: err });
      }

      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const accepted = options.accept ?? [];
      if (response.ok || accepted.includes(response.status)) {
        if (parsed === undefined && text !== '') {
          throw new HeraldRequestError(
            `${response.status}: the answer from ${url}${path} is not JSON; is HERALD_URL a Herald ingest API?`,
            { status: response.status },
          );
        }
        return { status: response.status, body: parsed as T };
      }

      const serverError =
        typeof parsed === 'object' && parsed !== null && 'error' in parsed
          ? String((parsed as { error: unknown }).error)
          : undefined;
      const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
      throw new HeraldRequestError(describeStatus(response.status, serverError, url), {
        status: response.status,
        body: parsed,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      });
    },
  };
}

/**
 * Runs a command body that talks to Herald: a HeraldRequestError is printed as
 * `herald <name>: <message>` and exits 1; anything else propagates.
 */
export async function reportingRequestErrors(
  name: string,
  io: CliIo,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (!isHeraldRequestError(err)) throw err;
    io.stderr(`herald ${name}: ${err.message}\n`);
    return 1;
  }
}
