// One class for every way an HTTP delivery (Slack, Teams, webhook, PagerDuty) fails. The
// `code` says what happened; `retryable` and `breakerOutcome` say what the sender and the
// circuit breaker make of it (see send-failure.ts for how a delivery is then treated).

/** Why an HTTP delivery failed; stable, for metrics and alert history. */
export type HttpErrorCode =
  /** 429 (or Slack's `ratelimited`): slow down, wait `retryAfterMs`. Not a failure. */
  | 'HTTP_RATE_LIMITED'
  /** 5xx (or a Slack Web API error that says the service failed). */
  | 'HTTP_SERVER_ERROR'
  /** A 4xx other than 408 and 429, or a Web API error about this message or our setup. */
  | 'HTTP_REJECTED'
  /** The endpoint answered, but not with what its API documents (a proxy page, bad JSON). */
  | 'HTTP_BAD_REPLY'
  /** Connect, headers or body took too long, or 408. */
  | 'HTTP_TIMEOUT'
  /** Refused, reset, DNS, TLS: no answer at all. */
  | 'HTTP_CONNECTION_FAILED'
  /** Our own signal ended the call (shutdown, the breaker's deadline). */
  | 'HTTP_ABORTED';

export interface HttpDeliveryErrorDetails {
  code: HttpErrorCode;
  /** The HTTP status, when the endpoint answered. */
  status?: number;
  /** The provider's own reason: Slack's error string, PagerDuty's `errors`, a body excerpt. */
  reason?: string;
  /** How long the provider asked us to wait (Retry-After), ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

const PERMANENT: ReadonlySet<HttpErrorCode> = new Set(['HTTP_REJECTED']);
// A 429 asks us to slow down, a refused message says nothing about the endpoint's health,
// and our own cancellation is ours: none of them may open the destination's breaker.
const IGNORED_BY_BREAKER: ReadonlySet<HttpErrorCode> = new Set([
  'HTTP_RATE_LIMITED',
  'HTTP_REJECTED',
  'HTTP_ABORTED',
]);

/** An HTTP delivery failed; see `code`, `status`, `reason` and `retryAfterMs`. */
export class HttpDeliveryError extends Error {
  readonly isHttpDeliveryError = true;
  readonly code: HttpErrorCode;
  readonly retryable: boolean;
  readonly breakerOutcome: 'ignore' | 'failure';
  readonly status?: number;
  readonly reason?: string;
  readonly retryAfterMs?: number;

  constructor(message: string, details: HttpDeliveryErrorDetails) {
    super(message, { cause: details.cause });
    this.name = 'HttpDeliveryError';
    this.code = details.code;
    this.retryable = !PERMANENT.has(details.code);
    this.breakerOutcome = IGNORED_BY_BREAKER.has(details.code) ? 'ignore' : 'failure';
    if (details.status !== undefined) this.status = details.status;
    if (details.reason !== undefined) this.reason = details.reason;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** True for an HttpDeliveryError, also across duplicate copies of this module. */
export function isHttpDeliveryError(err: unknown): err is HttpDeliveryError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as HttpDeliveryError).isHttpDeliveryError === true
  );
}
