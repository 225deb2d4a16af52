import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { isAlertId, isAlertState, type Actor, type AlertState, type Database } from '@herald/db';
import { deadLetterKey, deadLetters, streamKey, type StageStream } from '@herald/streams';
import { apiKeyHook } from './auth.ts';
import { StoreUnavailableError } from './errors.ts';
import type { RawBatch } from './batch.ts';
import { requeueDeadLetters } from './dead-letter-requeue.ts';
import { parseDeadLetterQuery, parseRequeueBody } from './operator-requests.ts';
import { noteRequest } from './request-notes.ts';

/** One dead-letter entry as the API shows it, with where its alert is now. */
export interface DeadLetterView {
  /** Id in the dead-letter stream. */
  entryId: string;
  /** When it was dead-lettered (the time part of its id). */
  deadLetteredAt: string;
  /** Null when the entry carries no alert id (written by something other than a stage). */
  alertId: string | null;
  reason: string | null;
  /** Deliveries of the stream entry before it was given up on. */
  deliveries: number | null;
  /** The entry's id in the stage's stream. */
  sourceEntry: string | null;
  /** The alert's state now; null when there is no such alert (any more). */
  alertState: AlertState | null;
}

/** A page of one stage's dead letters, oldest first, and how many there are in all. */
export interface DeadLetterPage {
  stage: StageStream;
  total: number;
  entries: DeadLetterView[];
}

async function alertStates(
  db: Pick<Database, 'pool'>,
  ids: readonly string[],
): Promise<Map<string, AlertState>> {
  const valid = ids.filter((id) => isAlertId(id));
  if (valid.length === 0) return new Map();
  try {
    const { rows } = await db.pool.query<{ id: string; state: string }>(
      'SELECT id, state FROM alerts WHERE id = ANY($1::uuid[])',
      [valid],
    );
    return new Map(rows.flatMap((row) => (isAlertState(row.state) ? [[row.id, row.state]] : [])));
  } catch (err) {
    throw new StoreUnavailableError('the database is unavailable; retry later', { cause: err });
  }
}

/**
 * Up to `count` dead letters of `stage`'s stream (after the entry `after`, when given),
 * each with its alert's current state: an entry whose alert is in `error` is waiting for
 * an operator's retry; one whose alert moved on was retried (the dead-letter stream is a
 * record, and retrying an alert does not remove its entries).
 */
export async function listDeadLetters(
  stage: StageStream,
  page: { count: number; after?: string | undefined },
  stores: { db: Pick<Database, 'pool'>; redis: Redis; namespace: string },
): Promise<DeadLetterPage> {
  const letters = deadLetters(stores.redis, {
    stream: streamKey(stores.namespace, stage),
    deadLetterStream: deadLetterKey(stores.namespace, stage),
  });
  let listed;
  let total;
  try {
    [listed, total] = await Promise.all([
      letters.list(page.after === undefined ? { count: page.count } : page),
      letters.length(),
    ]);
  } catch (err) {
    throw new StoreUnavailableError('Redis is unavailable; retry later', { cause: err });
  }

  const states = await alertStates(
    stores.db,
    listed.flatMap((entry) => (entry.message ? [entry.message.alertId.toLowerCase()] : [])),
  );
  const entries = listed.map((entry): DeadLetterView => {
    const alertId = entry.message?.alertId ?? null;
    return {
      entryId: entry.entryId,
      deadLetteredAt: new Date(Number(entry.entryId.split('-')[0])).toISOString(),
      alertId,
      reason: entry.reason ?? null,
      deliveries: entry.deliveries ?? null,
      sourceEntry: entry.sourceEntry ?? null,
      alertState: (alertId && states.get(alertId.toLowerCase())) || null,
    };
  });
  return { stage, total, entries };
}

/** What the dead-letter route needs. */
export interface DeadLetterRoutesOptions {
  db: Database;
  redis: Redis;
  /** The Redis key namespace of this install. */
  namespace: string;
  apiKeys: readonly string[];
  /** Written on the history rows of requeued alerts. */
  actor: Actor;
  /** Retries one alert may get (HERALD_MAX_RETRIES); a requeue is a retry. */
  maxRetries: number;
}

/**
 * Behind the API key: GET /v1/dead-letters?stage=<stage>&count=N&after=<entry id> lists a
 * stage's dead letters, oldest first, each with its alert's state now; POST
 * /v1/dead-letters/requeue (`{"entryIds":[...]}` or `{"all":true}`, optional `stage`)
 * retries their alerts and removes the entries (see requeueDeadLetters).
 */
export async function deadLetterRoutes(
  app: FastifyInstance,
  options: DeadLetterRoutesOptions,
): Promise<void> {
  app.addHook('onRequest', apiKeyHook(options.apiKeys));

  app.get('/v1/dead-letters', async (request, reply) => {
    const { stage, count, after } = parseDeadLetterQuery(request.query);
    return reply.send(await listDeadLetters(stage, { count, after }, options));
  });

  app.post('/v1/dead-letters/requeue', async (request, reply) => {
    const selector = parseRequeueBody(request.body as RawBatch | undefined);
    const outcome = await requeueDeadLetters(selector, options, {
      db: options.db,
      redis: options.redis,
      stream: streamKey(options.namespace, 'enrich'),
      actor: options.actor,
      maxRetries: options.maxRetries,
    });
    // A requeue is a retry: the log line counts it as one.
    noteRequest(request, { retried: outcome.requeued.length, skipped: outcome.kept.length });
    for (const entry of outcome.requeued) {
      request.log.debug({ alertId: entry.alertId, stage: entry.stage }, 'dead letter requeued');
    }
    return reply.send(outcome);
  });
}
