/** The ways a whole request can be wrong, each with the status it is answered with. */
export type IngestRequestErrorCode =
  'INGEST_NO_ALERTS' | 'INGEST_INVALID_JSON' | 'INGEST_TOO_MANY_ALERTS';

const STATUS: Readonly<Record<IngestRequestErrorCode, number>> = {
  INGEST_NO_ALERTS: 400,
  INGEST_INVALID_JSON: 400,
  INGEST_TOO_MANY_ALERTS: 413,
};

/**
 * The request as a whole cannot be taken (no alerts, a body that is not JSON, too many
 * alerts). Permanent: sending it again unchanged gets the same answer. Nothing was stored.
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
 * PostgreSQL did not answer a request's query. Retryable: for a post, the insert is one
 * statement, so nothing of the batch was stored, and it is idempotent on identity, so a
 * retry can never store an alert twice.
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
