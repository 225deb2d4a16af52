import type { FastifyRequest } from 'fastify';
import { isIngestRequestError, isStoreUnavailableError } from './errors.ts';

// The types of CONTENT_TYPE_FORMATS (batch.ts), with what each holds.
const ACCEPTED_LIST =
  'application/json (one alert or an array of alerts), application/x-ndjson, ' +
  'application/ndjson or text/plain (one JSON alert per line)';

/** An error as the client sees it: status, headers, and a JSON body whose `error` says what is wrong. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: string; reqId?: string };
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' &&
    err !== null &&
    'statusCode' in err &&
    typeof err.statusCode === 'number'
    ? err.statusCode
    : undefined;
}

/**
 * Turns anything a route or Fastify itself raised into the answer the client gets. Client
 * mistakes keep their 4xx and get a sentence naming what to fix; anything else is a 500
 * that says no more than the request id to quote, since its details are for the log.
 */
export function toErrorResponse(
  err: unknown,
  request: FastifyRequest,
  options: { bodyLimitBytes: number; retryAfterSeconds: number },
): ErrorResponse {
  if (isIngestRequestError(err)) {
    return { status: err.statusCode, headers: {}, body: { error: err.message } };
  }
  if (isStoreUnavailableError(err)) {
    return {
      status: err.statusCode,
      headers: { 'retry-after': String(options.retryAfterSeconds) },
      body: { error: err.message },
    };
  }

  switch (errorCode(err)) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        headers: {},
        body: {
          error: `the request body is larger than the limit of ${options.bodyLimitBytes} bytes`,
        },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const given = request.headers['content-type'];
      const problem =
        given === undefined
          ? 'the request has a body but no Content-Type'
          : `content type '${given}' is not supported`;
      return { status: 415, headers: {}, body: { error: `${problem}; send ${ACCEPTED_LIST}` } };
    }
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        headers: {},
        body: { error: 'the request path is not validly percent-encoded' },
      };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return {
        status: 414,
        headers: {},
        body: { error: 'a path segment of the request is too long' },
      };
  }

  const status = statusOf(err);
  if (status !== undefined && status >= 400 && status < 500 && err instanceof Error) {
    // Fastify's own client errors (a body shorter than its Content-Length, say) carry a
    // message meant for the client.
    return { status, headers: {}, body: { error: `the request was refused: ${err.message}` } };
  }
  return {
    status: 500,
    headers: {},
    body: { error: 'internal error; quote the reqId when reporting it', reqId: request.id },
  };
}
