import { request, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { WazuhApiError, type WazuhApiErrorCode } from './api-error.ts';

/**
 * Runs one outbound call. The circuit breaker of `@herald/breaker` fits as it is: it hands
 * `fn` a signal that it aborts when it gives up on the call.
 */
export interface WazuhApiGuard {
  execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/** What every exchange with one API shares. */
export interface TransportContext {
  baseUrl: URL;
  dispatcher: Dispatcher;
  timeoutMs: number;
  guard: WazuhApiGuard;
  now: () => number;
}

/** One request: method, path (with query) below the base URL, and its Authorization. */
export interface Exchange {
  method: 'GET' | 'POST';
  path: string;
  authorization: string;
}

// Node's codes for a certificate it would not trust, and OpenSSL's for a failed handshake
// (an https client talking to a plain http port ends here too). None heals by retrying.
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
]);

function errorCode(err: unknown): string | undefined {
  const code =
    typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function isTlsFailure(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (CERTIFICATE_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'))
  );
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  nowMs: number,
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') {
    return undefined;
  }
  if (/^\s*\d+\s*$/.test(text)) {
    return Number(text) * 1000;
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The API's own words on a failure: `detail` or `title` of its problem JSON, else the text. */
function serverDetail(text: string): string {
  let detail: unknown;
  try {
    const body = JSON.parse(text) as { detail?: unknown; title?: unknown; message?: unknown };
    detail = body.detail ?? body.title ?? body.message;
  } catch {
    detail = text;
  }
  const line = typeof detail === 'string' ? detail.replace(/\s+/g, ' ').trim() : '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

function statusCode(status: number): WazuhApiErrorCode {
  if (status === 401) return 'WAZUH_API_UNAUTHORIZED';
  if (status === 403) return 'WAZUH_API_FORBIDDEN';
  if (status === 429) return 'WAZUH_API_RATE_LIMITED';
  if (status === 408 || status >= 500) return 'WAZUH_API_UNAVAILABLE';
  if (status >= 400) return 'WAZUH_API_REJECTED';
  return 'WAZUH_API_BAD_REPLY';
}

function statusError(
  what: string,
  status: number,
  headers: IncomingHttpHeaders,
  text: string,
  nowMs: number,
): WazuhApiError {
  const detail = serverDetail(text);
  const message = `${what}: HTTP ${status}${detail ? `: ${detail}` : ''}`;
  const retryAfterMs =
    status === 429 || status === 503 ? parseRetryAfter(headers['retry-after'], nowMs) : undefined;
  return new WazuhApiError(statusCode(status), message, { status, retryAfterMs });
}

/** Maps a failure to send or to read to its kind; `signal` tells a timeout from an abort. */
function transportError(
  what: string,
  err: unknown,
  timeout: AbortSignal,
  outer: AbortSignal,
  timeoutMs: number,
): WazuhApiError {
  if (timeout.aborted) {
    return new WazuhApiError('WAZUH_API_TIMEOUT', `${what}: no answer within ${timeoutMs} ms`, {
      cause: err,
    });
  }
  if (outer.aborted) {
    const reason: unknown = outer.reason;
    const timedOut = reason instanceof DOMException && reason.name === 'TimeoutError';
    return timedOut
      ? new WazuhApiError('WAZUH_API_TIMEOUT', `${what}: the caller's time ran out`, {
          cause: reason,
        })
      : new WazuhApiError('WAZUH_API_ABORTED', `${what}: aborted by the caller`, { cause: reason });
  }

  const code = errorCode(err);
  if (isTlsFailure(code)) {
    return new WazuhApiError(
      'WAZUH_API_TLS',
      `${what}: TLS verification failed (${code}); trust the API's CA with caFile and use a host name` +
        ' its certificate names, or opt out with insecureSkipVerify',
      { cause: err },
    );
  }
  return new WazuhApiError(
    'WAZUH_API_UNAVAILABLE',
    `${what}: could not reach the API (${code ?? 'network error'})`,
    {
      cause: err,
    },
  );
}

/**
 * Sends one request through the guard and returns the parsed JSON body of a 2xx answer.
 * Anything else becomes a WazuhApiError. `timeoutMs` bounds the whole exchange, body
 * included, whichever guard runs it; aborting it closes the connection.
 */
export function sendJson(context: TransportContext, exchange: Exchange): Promise<unknown> {
  const url = new URL(context.baseUrl.pathname.replace(/\/$/, '') + exchange.path, context.baseUrl);
  const what = `${exchange.method} ${url.origin}${url.pathname}`;

  return context.guard.execute(async (outer) => {
    const timeout = AbortSignal.timeout(context.timeoutMs);
    const signal = AbortSignal.any([outer, timeout]);

    let status: number;
    let headers: IncomingHttpHeaders;
    let text: string;
    try {
      const response = await request(url, {
        method: exchange.method,
        headers: { authorization: exchange.authorization, accept: 'application/json' },
        dispatcher: context.dispatcher,
        signal,
      });
      status = response.statusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (err) {
      throw transportError(what, err, timeout, outer, context.timeoutMs);
    }

    if (status < 200 || status >= 300) {
      throw statusError(what, status, headers, text, context.now());
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new WazuhApiError(
        'WAZUH_API_BAD_REPLY',
        `${what}: HTTP ${status} with a body that is not JSON`,
        {
          status,
          cause: err,
        },
      );
    }
  });
}
