import type { Redis } from 'ioredis';
import { isAlertId } from '@herald/db';
import {
  STAGE_STREAMS,
  deadLetterKey,
  deadLetters,
  decodeMessage,
  streamKey,
  type StageStream,
} from '@herald/streams';
import { IngestRequestError, StoreUnavailableError, isIngestRequestError } from './errors.ts';
import type { RequeueSelector } from './operator-requests.ts';
import { retryAndPublish, type RetryTarget } from './retry.ts';

/** A dead letter looked at by a requeue. */
export interface RequeueEntry {
  stage: StageStream;
  entryId: string;
  /** Null when the entry names no alert (written by something other than a stage). */
  alertId: string | null;
}

/** What a requeue did with each entry it found, and the ids it did not find. */
export interface RequeueOutcome {
  /** Their alert went from `error` back to `new` (and to the enrich stream); entry removed. */
  requeued: RequeueEntry[];
  /** Their alert had already left `error` (retried before, or moved on); entry removed. */
  settled: (RequeueEntry & { state: string })[];
  /** Left in the dead-letter stream, with the reason. */
  kept: (RequeueEntry & { reason: string })[];
  /** Named entry ids that no dead-letter stream of the selected stages holds. */
  notFound: string[];
}

async function findEntries(
  redis: Redis,
  namespace: string,
  selector: RequeueSelector,
): Promise<{ found: RequeueEntry[]; notFound: string[] }> {
  const stages = selector.stage ? [selector.stage] : [...STAGE_STREAMS];
  const found: RequeueEntry[] = [];
  const seen = new Set<string>();
  for (const stage of stages) {
    if ('all' in selector) {
      const letters = deadLetters(redis, {
        stream: streamKey(namespace, stage),
        deadLetterStream: deadLetterKey(namespace, stage),
      });
      const left = selector.limit - found.length;
      if (left <= 0) break;
      for (const entry of await letters.list({ count: left })) {
        found.push({ stage, entryId: entry.entryId, alertId: entry.message?.alertId ?? null });
      }
      continue;
    }
    const pipeline = redis.pipeline();
    for (const entryId of selector.entryIds) {
      pipeline.xrange(deadLetterKey(namespace, stage), entryId, entryId);
    }
    const replies = (await pipeline.exec()) ?? [];
    for (const [err, reply] of replies) {
      if (err) throw err;
      const [entry] = reply as [string, string[]][];
      if (!entry) continue;
      seen.add(entry[0]);
      found.push({ stage, entryId: entry[0], alertId: decodeMessage(entry[1])?.alertId ?? null });
    }
  }
  if (!('all' in selector) && !selector.stage) {
    // Entry ids are unique per stream only: two stages' dead letters can share one.
    for (const entryId of new Set(selector.entryIds)) {
      const stagesOf = found.filter((entry) => entry.entryId === entryId).map((e) => e.stage);
      if (stagesOf.length > 1) {
        throw new IngestRequestError(
          'INGEST_INVALID_REQUEST',
          `entry ${entryId} is in the dead letters of ${stagesOf.join(' and ')}; name the stage`,
        );
      }
    }
  }
  const notFound = 'all' in selector ? [] : selector.entryIds.filter((id) => !seen.has(id));
  return { found, notFound };
}

/**
 * Requeues dead letters. Requeueing a dead letter IS retrying its alert: the alert's state
 * is the truth and the dead-letter entry a record of why it stopped, so the alert moves
 * `error -> new` (counted against HERALD_MAX_RETRIES, exactly as POST /v1/alerts/:id/retry)
 * and goes through the whole pipeline again from enrich; re-adding the entry to its stage's
 * stream instead would find an alert in `error` that no stage may claim. The entry leaves
 * the dead-letter stream once its alert has left `error` (by this requeue or an earlier
 * retry); it stays when its alert cannot be retried (retry limit, no such alert).
 */
export async function requeueDeadLetters(
  selector: RequeueSelector,
  stores: { redis: Redis; namespace: string },
  target: RetryTarget,
): Promise<RequeueOutcome> {
  let found: RequeueEntry[];
  let notFound: string[];
  try {
    ({ found, notFound } = await findEntries(stores.redis, stores.namespace, selector));
  } catch (err) {
    if (isIngestRequestError(err)) throw err;
    throw new StoreUnavailableError('Redis is unavailable; nothing was requeued, retry later', {
      cause: err,
    });
  }

  const ids = [
    ...new Set(found.flatMap((e) => (e.alertId && isAlertId(e.alertId) ? [e.alertId] : []))),
  ];
  const outcome = ids.length > 0 ? await retryAndPublish({ ids }, target) : undefined;
  const retried = new Set((outcome?.retried ?? []).map((id) => id.toLowerCase()));
  const skipped = new Map((outcome?.skipped ?? []).map((skip) => [skip.id.toLowerCase(), skip]));

  const result: RequeueOutcome = { requeued: [], settled: [], kept: [], notFound };
  for (const entry of found) {
    const alertId = entry.alertId && isAlertId(entry.alertId) ? entry.alertId.toLowerCase() : null;
    const skip = alertId ? skipped.get(alertId) : undefined;
    if (alertId === null) {
      result.kept.push({ ...entry, reason: 'the entry names no alert' });
    } else if (retried.has(alertId)) {
      result.requeued.push(entry);
    } else if (skip?.reason === 'not in error' && skip.state) {
      result.settled.push({ ...entry, state: skip.state });
    } else if (skip?.reason === 'retry limit reached') {
      result.kept.push({
        ...entry,
        reason: `retry limit reached: retried ${skip.retries ?? 0} times, the limit is ${target.maxRetries}`,
      });
    } else {
      result.kept.push({ ...entry, reason: 'no such alert' });
    }
  }

  const removable = [...result.requeued, ...result.settled];
  try {
    const pipeline = stores.redis.pipeline();
    for (const entry of removable) {
      pipeline.xdel(deadLetterKey(stores.namespace, entry.stage), entry.entryId);
    }
    const replies = removable.length > 0 ? ((await pipeline.exec()) ?? []) : [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
  } catch (err) {
    // The alerts are retried (committed); only the record's clean-up failed, and a second
    // requeue of the same entries finds their alerts out of `error` and removes them.
    throw new StoreUnavailableError(
      'the alerts were retried but their dead letters could not be removed; requeue them again',
      { cause: err },
    );
  }
  return result;
}
