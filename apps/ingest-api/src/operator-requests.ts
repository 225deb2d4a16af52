import { z } from 'zod';
import { STAGE_STREAMS, type StageStream } from '@herald/streams';
import type { RawBatch } from './batch.ts';
import { IngestRequestError } from './errors.ts';
import { locateJsonError } from './json-error.ts';

/** Alerts one POST /v1/alerts/retry retries when the body names no limit. */
export const DEFAULT_RETRY_LIMIT = 1_000;
/** The most one POST /v1/alerts/retry may ask for: one statement, one bounded answer. */
export const MAX_RETRY_LIMIT = 10_000;
/** Dead letters one GET /v1/dead-letters lists when the query names no count. */
export const DEFAULT_DEAD_LETTER_COUNT = 100;
export const MAX_DEAD_LETTER_COUNT = 1_000;

const RetryAllBody = z.strictObject({
  state: z.literal('error', {
    message: 'must be "error" (alerts are retried only from error)',
  }),
  limit: z
    .number({ message: `must be a whole number from 1 to ${MAX_RETRY_LIMIT}` })
    .int({ message: `must be a whole number from 1 to ${MAX_RETRY_LIMIT}` })
    .min(1, { message: `must be a whole number from 1 to ${MAX_RETRY_LIMIT}` })
    .max(MAX_RETRY_LIMIT, { message: `must be a whole number from 1 to ${MAX_RETRY_LIMIT}` })
    .default(DEFAULT_RETRY_LIMIT),
});

const countMessage = `must be a whole number from 1 to ${MAX_DEAD_LETTER_COUNT}`;
const DeadLetterQuery = z.strictObject({
  stage: z.enum(STAGE_STREAMS, { message: `must be one of ${STAGE_STREAMS.join(', ')}` }),
  count: z
    .string()
    .regex(/^\d+$/, { message: countMessage })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, { message: countMessage })
        .max(MAX_DEAD_LETTER_COUNT, { message: countMessage }),
    )
    .default(DEFAULT_DEAD_LETTER_COUNT),
  after: z
    .string()
    .regex(/^\d+-\d+$/, { message: 'must be a stream entry id such as 1765000000000-0' })
    .optional(),
});

/** One sentence naming every wrong field: `limit must be ...; unknown field "limt"`. */
function describeIssues(error: z.ZodError, what: string): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `unknown ${what} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
      }
      if (issue.path.length === 0) {
        return issue.message;
      }
      return `${issue.path.join('.')} ${issue.message}`;
    })
    .join('; ');
}

function invalid(message: string): IngestRequestError {
  return new IngestRequestError('INGEST_INVALID_REQUEST', message);
}

/** The JSON object of an operator's POST body, or a 400 naming what is wrong with it. */
function parseJsonObjectBody(body: RawBatch | undefined, example: string): object {
  if (!body || body.text.trim() === '') {
    throw invalid(`the body is empty; ${example}`);
  }
  if (body.format !== 'json') {
    throw new IngestRequestError('INGEST_UNSUPPORTED_BODY', `the body must be JSON; ${example}`);
  }

  let value: unknown;
  try {
    value = JSON.parse(body.text);
  } catch (err) {
    const { reason, at } = locateJsonError(body.text, err);
    const where = at ? ` at line ${at.line} column ${at.column} (position ${at.offset})` : '';
    throw new IngestRequestError(
      'INGEST_INVALID_JSON',
      `the body is not valid JSON${where}: ${reason}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`the body must be a JSON object; ${example}`);
  }
  return value;
}

/**
 * Reads the body of POST /v1/alerts/retry: `{ "state": "error", "limit": N }`. The body is
 * required, and `state` with it, so a POST without one can never retry everything.
 */
export function parseRetryAllBody(body: RawBatch | undefined): { limit: number } {
  const value = parseJsonObjectBody(
    body,
    'send application/json such as {"state":"error","limit":100}',
  );
  const parsed = RetryAllBody.safeParse(value);
  if (!parsed.success) {
    throw invalid(describeIssues(parsed.error, 'field'));
  }
  return { limit: parsed.data.limit };
}

/** Which dead letters one POST /v1/dead-letters/requeue names. */
export type RequeueSelector =
  | { stage?: StageStream | undefined; entryIds: string[] }
  | { stage?: StageStream | undefined; all: true; limit: number };

const entryIdSchema = z
  .string()
  .regex(/^\d+-\d+$/, { message: 'must be a stream entry id such as 1765000000000-0' });
const RequeueBody = z.union([
  z.strictObject({
    stage: z
      .enum(STAGE_STREAMS, { message: `must be one of ${STAGE_STREAMS.join(', ')}` })
      .optional(),
    entryIds: z
      .array(entryIdSchema)
      .min(1, { message: 'must name at least one entry' })
      .max(MAX_DEAD_LETTER_COUNT, { message: `may name at most ${MAX_DEAD_LETTER_COUNT} entries` }),
  }),
  z.strictObject({
    stage: z
      .enum(STAGE_STREAMS, { message: `must be one of ${STAGE_STREAMS.join(', ')}` })
      .optional(),
    all: z.literal(true, { message: 'must be true' }),
    limit: z
      .number({ message: countMessage })
      .int({ message: countMessage })
      .min(1, { message: countMessage })
      .max(MAX_DEAD_LETTER_COUNT, { message: countMessage })
      .default(DEFAULT_DEAD_LETTER_COUNT),
  }),
]);

/**
 * Reads the body of POST /v1/dead-letters/requeue: `{ "entryIds": [...] }` or
 * `{ "all": true, "limit": N }`, each with an optional `stage` (without one, every stage's
 * dead letters are looked at).
 */
export function parseRequeueBody(body: RawBatch | undefined): RequeueSelector {
  const value = parseJsonObjectBody(
    body,
    'send application/json such as {"entryIds":["1765000000000-0"]} or {"all":true}',
  );
  if (!('entryIds' in value) && !('all' in value)) {
    throw invalid('name the entries with "entryIds": [...] or ask for "all": true');
  }
  const parsed = RequeueBody.safeParse(value);
  if (!parsed.success) {
    // A union reports each branch's issues; the branch the body was meant for is the one
    // whose distinguishing field it has.
    const branch = 'all' in value ? 1 : 0;
    const union = parsed.error.issues.find((issue) => issue.code === 'invalid_union');
    const errors = union && 'errors' in union ? union.errors[branch] : undefined;
    const message =
      errors && errors.length > 0
        ? describeIssues(new z.ZodError(errors), 'field')
        : describeIssues(parsed.error, 'field');
    throw invalid(message);
  }
  return parsed.data;
}

/** Reads the query of GET /v1/dead-letters: `stage` (required), `count`, `after`. */
export function parseDeadLetterQuery(query: unknown): {
  stage: StageStream;
  count: number;
  after?: string | undefined;
} {
  const parsed = DeadLetterQuery.safeParse(query ?? {});
  if (!parsed.success) {
    throw invalid(describeIssues(parsed.error, 'parameter'));
  }
  return parsed.data;
}
