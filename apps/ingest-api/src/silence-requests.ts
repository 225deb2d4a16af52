import { MatcherSchema, holdsWithoutFields, matcherToObject, parseDuration } from '@herald/config';
import type { NewSilence, SilenceRow } from '@herald/db';
import { z } from 'zod';
import type { RawBatch } from './batch.ts';
import { IngestRequestError } from './errors.ts';
import { locateJsonError } from './json-error.ts';

/** The longest silence one request may set: a forgotten silence should not hide a year. */
export const MAX_SILENCE_MS = 90 * 86_400_000; // 90 days

const EXAMPLE =
  'send application/json such as {"matchers":["rule.id=5710"],"duration":"2h","author":"ana","comment":"patching web-01"}';

const IsoTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 time such as 2026-12-04T12:00:00Z',
});

const SilenceBody = z
  .strictObject({
    matchers: z
      .array(MatcherSchema, { message: 'must be a list of matchers such as ["rule.id=5710"]' })
      .min(1, { message: 'must name at least one matcher (a silence of everything is refused)' })
      .max(50, { message: 'may name at most 50 matchers' }),
    startsAt: IsoTime.optional(),
    endsAt: IsoTime.optional(),
    duration: z
      .string()
      .refine((text) => (parseDuration(text) ?? 0) > 0, {
        message: 'must be a duration such as 30m, 2h or 7d',
      })
      .optional(),
    author: z.string().trim().min(1, { message: 'must name who sets the silence' }).max(200),
    comment: z.string().trim().min(1, { message: 'must say why' }).max(2_000),
  })
  .superRefine((body, ctx) => {
    // `rule.idd!=5710` (a typo) would mute every alert.
    if (body.matchers.length > 0 && holdsWithoutFields(body.matchers)) {
      ctx.addIssue({
        code: 'custom',
        path: ['matchers'],
        message:
          'would silence every alert: each one also holds for a missing field (a misspelt name reads as empty); add one such as rule.id=5710 that needs a value',
      });
    }
    if ((body.endsAt === undefined) === (body.duration === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['endsAt'],
        message: 'or duration is required, not both (e.g. "duration":"2h")',
      });
    }
  });

/** One sentence naming every wrong field: `matchers.0 invalid matcher ...; author must ...`. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
      }
      return issue.path.length === 0 ? issue.message : `${issue.path.join('.')} ${issue.message}`;
    })
    .join('; ');
}

function invalid(message: string): IngestRequestError {
  return new IngestRequestError('INGEST_INVALID_REQUEST', message);
}

function jsonObject(body: RawBatch | undefined): unknown {
  if (!body || body.text.trim() === '') throw invalid(`the body is empty; ${EXAMPLE}`);
  if (body.format !== 'json') {
    throw new IngestRequestError('INGEST_UNSUPPORTED_BODY', `the body must be JSON; ${EXAMPLE}`);
  }
  try {
    return JSON.parse(body.text);
  } catch (err) {
    const { reason, at } = locateJsonError(body.text, err);
    const where = at ? ` at line ${at.line} column ${at.column} (position ${at.offset})` : '';
    throw new IngestRequestError(
      'INGEST_INVALID_JSON',
      `the body is not valid JSON${where}: ${reason}`,
    );
  }
}

/**
 * Reads the body of POST /v1/silences: matchers (text such as `rule.id=5710` or
 * Alertmanager's `{name, value, isRegex, isEqual}`), a start (default `now`), an end or a
 * duration, an author and a comment. A 400 names every wrong field.
 */
export function parseSilenceBody(body: RawBatch | undefined, now: Date): NewSilence {
  const value = jsonObject(body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`the body must be a JSON object; ${EXAMPLE}`);
  }
  const parsed = SilenceBody.safeParse(value);
  if (!parsed.success) throw invalid(describeIssues(parsed.error));

  const { matchers, author, comment } = parsed.data;
  const startsAt = parsed.data.startsAt ? new Date(parsed.data.startsAt) : now;
  const endsAt = parsed.data.endsAt
    ? new Date(parsed.data.endsAt)
    : new Date(startsAt.getTime() + (parseDuration(parsed.data.duration ?? '') ?? 0));
  // A duration such as 999999999999d ends past the last date a Date can hold.
  if (Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime())) {
    throw invalid('the silence may last at most 90 days (endsAt or duration)');
  }
  if (endsAt.getTime() <= startsAt.getTime()) throw invalid('endsAt must be after startsAt');
  if (endsAt.getTime() <= now.getTime()) throw invalid('endsAt must be in the future');
  if (endsAt.getTime() - startsAt.getTime() > MAX_SILENCE_MS) {
    throw invalid('the silence may last at most 90 days (endsAt or duration)');
  }
  return { matchers: matchers.map(matcherToObject), startsAt, endsAt, author, comment };
}

/** A silence as the API answers it: times in ISO 8601, and where it stands at `now`. */
export function silenceView(silence: SilenceRow, now: Date) {
  const status =
    silence.endsAt.getTime() <= now.getTime()
      ? 'expired'
      : silence.startsAt.getTime() > now.getTime()
        ? 'pending'
        : 'active';
  return {
    id: silence.id,
    status,
    matchers: silence.matchers,
    startsAt: silence.startsAt.toISOString(),
    endsAt: silence.endsAt.toISOString(),
    author: silence.author,
    comment: silence.comment,
    createdAt: silence.createdAt.toISOString(),
    updatedAt: silence.updatedAt.toISOString(),
  };
}
