import type { Redis } from 'ioredis';
import {
  retryFailedAlerts,
  type Actor,
  type Database,
  type RetryResult,
  type RetrySelector,
} from '@herald/db';
import { StoreUnavailableError } from './errors.ts';
import { handOnToEnrich, type Unpublished } from './hand-on.ts';

/** The stores and names a retry writes to. */
export interface RetryTarget {
  db: Pick<Database, 'pool'>;
  redis: Redis;
  /** The enrich stream's key. */
  stream: string;
  /** Written on each retried alert's history row. */
  actor: Actor;
  /** Retries one alert may get (HERALD_MAX_RETRIES). */
  maxRetries: number;
}

/** What a retry did, and whether the retried alerts were handed on. */
export interface RetryOutcome extends RetryResult {
  /** Set when the retried alerts could not be handed to the enrich stream. */
  unpublished?: Unpublished;
}

/**
 * Moves alerts from `error` back to `new` (one statement: see retryFailedAlerts), then
 * hands the retried ones to the enrich stream in one pipelined write, as ingest does with
 * new alerts: only after the commit, so an entry never names an alert still in `error`.
 *
 * Throws StoreUnavailableError when the database fails: nothing was retried. A failed
 * publish does not throw: the alerts are committed in `new`, where the enricher's sweeper
 * finds and republishes them after its hand-off grace; the outcome says how many wait.
 */
export async function retryAndPublish(
  selector: RetrySelector,
  target: RetryTarget,
): Promise<RetryOutcome> {
  let result: RetryResult;
  try {
    result = await retryFailedAlerts(target.db.pool, selector, target.actor, {
      maxRetries: target.maxRetries,
    });
  } catch (err) {
    throw new StoreUnavailableError(
      'the database is unavailable; nothing was retried, retry later',
      {
        cause: err,
      },
    );
  }

  const unpublished = await handOnToEnrich(target.redis, target.stream, result.retried);
  return unpublished ? { ...result, unpublished } : result;
}
