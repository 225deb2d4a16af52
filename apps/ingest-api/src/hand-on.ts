import type { Redis } from 'ioredis';
import { publish } from '@herald/streams';

/** What could not be handed to the enrich stream after the commit, and why. */
export interface Unpublished {
  count: number;
  err: unknown;
}

/**
 * Hands alerts that are committed in `new` to the enrich stream, at attempt 0 (a stage
 * counts attempts from its claim). A failure is returned, not thrown: the alerts are
 * stored, the request still succeeds, and the enricher's sweeper republishes them.
 */
export async function handOnToEnrich(
  redis: Redis,
  stream: string,
  alertIds: readonly string[],
): Promise<Unpublished | undefined> {
  try {
    await publish(redis, stream, alertIds.map((alertId) => ({ alertId, attempt: 0 })));
    return undefined;
  } catch (err) {
    return { count: alertIds.length, err };
  }
}
