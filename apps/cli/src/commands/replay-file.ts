import { createReadStream } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { HeraldRequestError, isHeraldRequestError, type HeraldClient } from '../http-client.ts';

/** Which alerts of the file to post, and how. */
export interface ReplayOptions {
  /** Alerts whose `timestamp` is before this are skipped (ms since the epoch). */
  from?: number | undefined;
  /** Alerts whose `timestamp` is at or after this are skipped (ms since the epoch). */
  to?: number | undefined;
  /** Only alerts of this manager (cluster node, else manager name) are posted. */
  manager?: string | undefined;
  /** Alerts per POST. */
  batchSize: number;
  /** Most bytes of alerts per POST, below ingest's body limit. */
  batchBytes: number;
  /** Tries of one batch answered 429 or 503 before the replay gives up. */
  maxTries: number;
  /** Longest wait honoured from one Retry-After. */
  maxWaitMs: number;
  /** Injected so tests do not wait out Retry-After. */
  sleep?: (ms: number) => Promise<void>;
}

/** One line that was not posted, or that ingest refused, and why. */
export interface LineProblem {
  line: number;
  reason: string;
}

/** What a replay did, line by line counted. */
export interface ReplaySummary {
  /** Non-empty lines read. */
  read: number;
  /** Lines that are no JSON alert, or whose timestamp cannot be placed in the range. */
  malformed: LineProblem[];
  /** Alerts inside the range (and of the manager): the ones posted. */
  inRange: number;
  /** Stored by this replay. */
  accepted: number;
  /** Stored before (Herald's identity key made the post a no-op). */
  alreadyStored: number;
  rejected: LineProblem[];
}

/** Thrown when a replay stops early; `summary` holds what was done until then. */
export class ReplayStoppedError extends Error {
  readonly code = 'CLI_REPLAY_STOPPED';
  readonly summary: ReplaySummary;
  /** The first line of the batch that was not posted: a rerun may start anywhere before it. */
  readonly atLine: number;

  constructor(message: string, summary: ReplaySummary, atLine: number, cause: unknown) {
    super(message, { cause });
    this.name = 'ReplayStoppedError';
    this.summary = summary;
    this.atLine = atLine;
  }
}

export function isReplayStoppedError(err: unknown): err is ReplayStoppedError {
  return err instanceof ReplayStoppedError;
}

// An ISO 8601 date and time with a zone: Date.parse alone would also take syslog's
// `May 11 12:29:18` and guess a year for it.
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Wazuh writes `2022-05-11T12:29:19.905+0000`; Date.parse wants the offset as `+00:00`.
 * Returns NaN for a timestamp that is not an ISO 8601 time with a zone.
 */
export function parseWazuhTimestamp(value: string): number {
  if (!ISO_WITH_ZONE.test(value)) return NaN;
  return Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

interface PendingLine {
  line: number;
  text: string;
}

interface IngestAnswer {
  accepted?: { index: number; duplicate: boolean }[];
  rejected?: { index: number; errors?: { field: string; message: string }[] }[];
}

/** Looks at one line: the alert to post, a reason it is malformed, or out of the selection. */
function classify(
  text: string,
  options: ReplayOptions,
): { kind: 'post' } | { kind: 'skip' } | { kind: 'malformed'; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: 'malformed', reason: `not JSON: ${err instanceof Error ? err.message : err}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'malformed', reason: 'not a JSON object' };
  }
  const alert = value as {
    timestamp?: unknown;
    manager?: { name?: unknown };
    cluster?: { node?: unknown };
  };
  if (options.manager !== undefined) {
    const origin = alert.cluster?.node ?? alert.manager?.name;
    if (origin !== options.manager) return { kind: 'skip' };
  }
  if (options.from === undefined && options.to === undefined) return { kind: 'post' };
  const at = typeof alert.timestamp === 'string' ? parseWazuhTimestamp(alert.timestamp) : NaN;
  if (Number.isNaN(at)) {
    return {
      kind: 'malformed',
      reason: `timestamp ${JSON.stringify(alert.timestamp ?? null)} is not an ISO 8601 time with a zone, so it cannot be placed in the range`,
    };
  }
  if (options.from !== undefined && at < options.from) return { kind: 'skip' };
  if (options.to !== undefined && at >= options.to) return { kind: 'skip' };
  return { kind: 'post' };
}

/** POSTs one NDJSON batch, waiting out 429/503 as told by Retry-After, up to maxTries. */
async function postBatch(
  client: HeraldClient,
  batch: readonly PendingLine[],
  options: ReplayOptions,
): Promise<IngestAnswer> {
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const body = `${batch.map((pending) => pending.text).join('\n')}\n`;
  for (let tries = 1; ; tries++) {
    try {
      const { body: answer } = await client.request<IngestAnswer>('POST', '/v1/alerts', {
        body,
        contentType: 'application/x-ndjson',
        // 400 answers a batch with some alerts rejected; the others are stored.
        accept: [400],
      });
      if (!Array.isArray(answer?.accepted) && !Array.isArray(answer?.rejected)) {
        throw new HeraldRequestError(`400: ${JSON.stringify(answer)}`, { status: 400 });
      }
      return answer;
    } catch (err) {
      const busy = isHeraldRequestError(err) && (err.status === 429 || err.status === 503);
      if (!busy || tries >= options.maxTries) throw err;
      const waitMs = Math.min(options.maxWaitMs, (err.retryAfterSeconds ?? 1) * 1000);
      await sleep(waitMs);
    }
  }
}

/**
 * Posts the alerts of a Wazuh manager's alerts.json (one alert per line) that fall in the
 * range, in NDJSON batches. The file is streamed, never loaded whole. Each line is posted as
 * it is written in the file, so Herald computes the same identity key as for the alert the
 * integration posted: a stored alert is answered `duplicate` and stored nothing new.
 *
 * @throws ReplayStoppedError when a batch cannot be posted (after bounded retries of 429
 *   and 503), with the counts so far and the line to start again from.
 */
export async function replayFile(
  path: string,
  client: HeraldClient,
  options: ReplayOptions,
): Promise<ReplaySummary> {
  const summary: ReplaySummary = {
    read: 0,
    malformed: [],
    inRange: 0,
    accepted: 0,
    alreadyStored: 0,
    rejected: [],
  };
  let batch: PendingLine[] = [];
  let batchBytes = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const sent = batch;
    batch = [];
    batchBytes = 0;
    let answer: IngestAnswer;
    try {
      answer = await postBatch(client, sent, options);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new ReplayStoppedError(message, summary, sent[0]!.line, err);
    }
    for (const accepted of answer.accepted ?? []) {
      if (accepted.duplicate) summary.alreadyStored += 1;
      else summary.accepted += 1;
    }
    for (const rejected of answer.rejected ?? []) {
      const reason = (rejected.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ');
      summary.rejected.push({ line: sent[rejected.index]?.line ?? 0, reason });
    }
  };

  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const raw of lines) {
      lineNumber += 1;
      const text = lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      summary.read += 1;
      const verdict = classify(text, options);
      if (verdict.kind === 'malformed') {
        summary.malformed.push({ line: lineNumber, reason: verdict.reason });
        continue;
      }
      if (verdict.kind === 'skip') continue;
      summary.inRange += 1;
      const bytes = Buffer.byteLength(text) + 1;
      if (batch.length > 0 && batchBytes + bytes > options.batchBytes) await flush();
      batch.push({ line: lineNumber, text });
      batchBytes += bytes;
      if (batch.length >= options.batchSize) await flush();
    }
    await flush();
  } finally {
    lines.close();
    input.destroy();
  }
  return summary;
}
