/** The ways a whole request can be wrong, each with the status it is answered with. */
export type IngestRequestErrorCode =
  | 'INGEST_NO_ALERTS'
  | 'INGEST_INVALID_JSON'
  | 'INGEST_TOO_MANY_ALERTS'
  | 'INGEST_INVALID_REQUEST'
  | 'INGEST_UNSUPPORTED_BODY';

const STATUS: Readonly<Record<IngestRequestErrorCode, number>> = {
  INGEST_NO_ALERTS: 400,
  INGEST_INVALID_JSON: 400,
  INGEST_TOO_MANY_ALERTS: 413,
  // An operator request (a retry, a dead-letter listing) with a wrong field or parameter.
  INGEST_INVALID_REQUEST: 400,
  INGEST_UNSUPPORTED_BODY: 415,
};

/**
 * The request as a whole cannot be taken (no alerts, a body that is not JSON, too many
 * alerts, a wrong field of an operator request). Permanent: sending it again unchanged
 * gets the same answer. Nothing was stored or changed.
 */
export class IngestRequestError extends Error {
  readonly code: IngestRequestErrorCode;
  readonly statusCode: number;
  readonly retryable = false;
  readonly isIngestRequestError = true;

  constructor(code: IngestRequestErrorCode, message: string) {
    super(message);
    this.name = 'IngestRequestError';
    this.code = code;
    this.statusCode = STATUS[code];
  }
}

/** Guard that survives duplicate copies of this module, where `instanceof` does not. */
export function isIngestRequestError(err: unknown): err is IngestRequestError {
  return typeof err === 'object' && err !== null && 'isIngestRequestError' in err;
}

/**
 * A store did not answer a request's query: PostgreSQL, or Redis for the dead-letter list.
 * Retryable: for a post, the insert is one statement, so nothing of the batch was stored,
 * and it is idempotent on identity, so a retry can never store an alert twice; an alert
 * retry is one statement too, and a repeat finds the alert no longer in error.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'INGEST_STORE_UNAVAILABLE';
  readonly statusCode = 503;
  readonly retryable = true;
  readonly isStoreUnavailableError = true;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** Guard that survives duplicate copies of this module, where `instanceof` does not. */
export function isStoreUnavailableError(err: unknown): err is StoreUnavailableError {
  return typeof err === 'object' && err !== null && 'isStoreUnavailableError' in err;
}
