/**
 * Why a call to the Wazuh server API failed. Stable: callers and dashboards key on these.
 *
 * - `WAZUH_API_UNAUTHORIZED`: wrong credentials, or a fresh token refused (401).
 * - `WAZUH_API_FORBIDDEN`: the API user lacks the permission (403, RBAC).
 * - `WAZUH_API_REJECTED`: any other 4xx: the request itself is wrong.
 * - `WAZUH_API_RATE_LIMITED`: 429; `retryAfterMs` holds the server's Retry-After if sent.
 * - `WAZUH_API_UNAVAILABLE`: 5xx, 408, refused or dropped connection.
 * - `WAZUH_API_TIMEOUT`: no complete answer within the timeout.
 * - `WAZUH_API_ABORTED`: the caller's signal (a breaker, a shutdown) ended the call.
 * - `WAZUH_API_TLS`: the API's certificate could not be verified.
 * - `WAZUH_API_BAD_REPLY`: the answer is not the JSON the API documents.
 */
export type WazuhApiErrorCode =
  | 'WAZUH_API_UNAUTHORIZED'
  | 'WAZUH_API_FORBIDDEN'
  | 'WAZUH_API_REJECTED'
  | 'WAZUH_API_RATE_LIMITED'
  | 'WAZUH_API_UNAVAILABLE'
  | 'WAZUH_API_TIMEOUT'
  | 'WAZUH_API_ABORTED'
  | 'WAZUH_API_TLS'
  | 'WAZUH_API_BAD_REPLY';

/** Transient failures: the same call may succeed later without anyone changing anything. */
const RETRYABLE: ReadonlySet<WazuhApiErrorCode> = new Set([
  'WAZUH_API_RATE_LIMITED',
  'WAZUH_API_UNAVAILABLE',
  'WAZUH_API_TIMEOUT',
  'WAZUH_API_ABORTED',
]);

export interface WazuhApiErrorDetails {
  /** The HTTP status when the server answered; absent for network failures and timeouts. */
  status?: number;
  /** The server's Retry-After, in milliseconds, on a 429 or 503 that carried one. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A failed call to the Wazuh server API. `status` carries the HTTP status so a circuit
 * breaker can tell the client's own mistakes (4xx other than 408/429) from an outage;
 * `retryable` says whether trying again later can help.
 */
export class WazuhApiError extends Error {
  readonly isWazuhApiError = true;
  readonly code: WazuhApiErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: WazuhApiErrorCode, message: string, details: WazuhApiErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'WazuhApiError';
    this.code = code;
    this.status = details.status;
    this.retryable = RETRYABLE.has(code);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** True for a WazuhApiError, also across duplicate copies of this package. */
export function isWazuhApiError(err: unknown): err is WazuhApiError {
  return typeof err === 'object' && err !== null && 'isWazuhApiError' in err;
}
