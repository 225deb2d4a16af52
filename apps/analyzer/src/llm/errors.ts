/** Why a language model call gave no usable text. */
export type LlmErrorCode =
  /** The endpoint answered 429; `retryAfterMs` says how long it asked us to wait. */
  | 'LLM_RATE_LIMITED'
  /** A 5xx, 408, or the endpoint could not be reached. */
  | 'LLM_UNAVAILABLE'
  /** No complete answer within the timeout. */
  | 'LLM_TIMEOUT'
  /** Any other 4xx: a wrong key, model or request; retrying will not help. */
  | 'LLM_REJECTED'
  /** A reply that is not JSON, not the chat completions shape, or not the answer schema. */
  | 'LLM_BAD_REPLY';

/** Details of an {@link LlmError}. */
export interface LlmErrorDetails {
  /** The HTTP status, when there was an answer. The breaker reads it (4xx: not a failure). */
  status?: number | undefined;
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

const RETRYABLE: ReadonlySet<LlmErrorCode> = new Set([
  'LLM_RATE_LIMITED',
  'LLM_UNAVAILABLE',
  'LLM_TIMEOUT',
]);

/**
 * A failed call to the chat completions endpoint. The analyzer never fails an alert on it:
 * the deterministic text stands. `retryable` says whether a later call may succeed.
 */
export class LlmError extends Error {
  readonly isLlmError = true;
  readonly code: LlmErrorCode;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly retryable: boolean;

  constructor(code: LlmErrorCode, message: string, details: LlmErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'LlmError';
    this.code = code;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.retryable = RETRYABLE.has(code);
  }
}

/** True for an {@link LlmError}, also across duplicate copies of this module. */
export function isLlmError(err: unknown): err is LlmError {
  return (
    typeof err === 'object' && err !== null && (err as { isLlmError?: unknown }).isLlmError === true
  );
}
