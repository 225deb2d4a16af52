import { IngestRequestError } from './errors.ts';
import { locateJsonError } from './json-error.ts';

/**
 * How a request body holds its alerts: `json` is one JSON document (an alert or an array
 * of alerts); `lines` is one JSON alert per line (NDJSON, or text/plain written that way).
 */
export type BodyFormat = 'json' | 'lines';

/** The content types POST /v1/alerts reads, and how it reads each. */
export const CONTENT_TYPE_FORMATS: Readonly<Record<string, BodyFormat>> = {
  'application/json': 'json',
  'application/x-ndjson': 'lines',
  'application/ndjson': 'lines',
  'text/plain': 'lines',
};

/** A request body as the content-type parsers hand it on: the text, and how to read it. */
export interface RawBatch {
  format: BodyFormat;
  text: string;
}

/** One alert of a batch: its 0-based position, its line for `lines` bodies, and its value. */
export type BatchEntry =
  | { index: number; line?: number; value: unknown }
  | { index: number; line: number; syntaxError: string };

/** The request holds nothing: what each format answers when empty. */
function noAlerts(): IngestRequestError {
  return new IngestRequestError('INGEST_NO_ALERTS', 'no alerts in the request');
}

function tooMany(count: number, maxAlerts: number): IngestRequestError {
  return new IngestRequestError(
    'INGEST_TOO_MANY_ALERTS',
    `the request holds ${count} alerts; at most ${maxAlerts} are accepted per request`,
  );
}

// A UTF-8 byte order mark some tools write first; JSON.parse refuses it.
const BOM = '\uFEFF';

/**
 * Splits a request body into alerts. Throws IngestRequestError when the request as a whole
 * cannot be taken: nothing in it, too many alerts, or a `json` body that does not parse.
 * A `lines` body keeps going past a line that does not parse: that line becomes an entry
 * with its syntax error, so the client learns which line to fix and the rest is stored.
 */
export function splitBatch(body: RawBatch | undefined, maxAlerts: number): BatchEntry[] {
  const text = body?.text.startsWith(BOM) ? body.text.slice(1) : (body?.text ?? '');
  if (!body || text.trim() === '') {
    throw noAlerts();
  }

  return body.format === 'json' ? splitJson(text, maxAlerts) : splitLines(text, maxAlerts);
}

function splitJson(text: string, maxAlerts: number): BatchEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const { reason, at } = locateJsonError(text, err);
    const where = at ? ` at line ${at.line} column ${at.column} (position ${at.offset})` : '';
    throw new IngestRequestError(
      'INGEST_INVALID_JSON',
      `the body is not valid JSON${where}: ${reason}`,
    );
  }

  if (!Array.isArray(value)) {
    return [{ index: 0, value }];
  }
  if (value.length === 0) {
    throw noAlerts();
  }
  if (value.length > maxAlerts) {
    throw tooMany(value.length, maxAlerts);
  }
  return value.map((item: unknown, index) => ({ index, value: item }));
}

function splitLines(text: string, maxAlerts: number): BatchEntry[] {
  const lines = text.split('\n');
  const filled: number[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() !== '') {
      filled.push(i);
    }
  });
  // Counted before any line is parsed, so an oversized batch costs no parsing.
  if (filled.length > maxAlerts) {
    throw tooMany(filled.length, maxAlerts);
  }

  return filled.map((i, index): BatchEntry => {
    const line = i + 1;
    try {
      return { index, line, value: JSON.parse(lines[i]!) };
    } catch (err) {
      const { reason, at } = locateJsonError(lines[i]!, err);
      const where = at ? ` at column ${at.column}` : '';
      return { index, line, syntaxError: `line ${line} is not valid JSON${where}: ${reason}` };
    }
  });
}
