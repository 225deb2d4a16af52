import type { Redis } from 'ioredis';

// Where every replica's breaker states and the operator's pauses live in Redis. All keys
// carry the install's hash tag, like the streams (keys.ts).
//
// - `{ns}:breakers:<replica>`: a hash per replica, one field per destination holding its
//   breaker state as JSON; rewritten whole on each heartbeat and given a TTL, so a replica
//   that dies disappears once the TTL passes.
// - `{ns}:breakers`: a sorted set of replicas scored by when their hash expires, so a
//   reader lists the live replicas without SCAN.
// - `{ns}:paused`: a hash, destination -> JSON {since, by}: the pauses, for every replica.
// - `{ns}:paused:changes`: the channel a pause or resume is announced on.

/** A breaker's state as one replica publishes it. */
export interface PublishedBreaker {
  destination: string;
  state: 'closed' | 'open' | 'half-open';
  /** When the state was entered, ms since the epoch. */
  since: number;
  /** Failure rate over the breaker's closed-state window. */
  failureRate: number;
  calls: number;
  /** True while the breaker is held open by an operator's pause. */
  paused: boolean;
}

/** A published breaker with who published it and when. */
export interface ReplicaBreaker extends PublishedBreaker {
  replica: string;
  service: string;
  /** When the replica last published, ms since the epoch. */
  publishedAt: number;
}

/** An operator's pause of one destination. */
export interface DestinationPause {
  destination: string;
  /** When it was paused, ms since the epoch. */
  since: number;
  /** Who paused it (the API's replica, or the operator tool). */
  by: string;
}

export function breakerIndexKey(namespace: string): string {
  return `{${namespace}}:breakers`;
}

export function replicaBreakersKey(namespace: string, replica: string): string {
  return `{${namespace}}:breakers:${replica}`;
}

export function pausesKey(namespace: string): string {
  return `{${namespace}}:paused`;
}

/** The pub/sub channel on which pauses and resumes are announced. */
export function pauseChannel(namespace: string): string {
  return `{${namespace}}:paused:changes`;
}

/**
 * Replaces `replica`'s published breaker states with `breakers`, alive for `ttlMs` from
 * `now`. One MULTI, so a reader never sees half of a replica's breakers.
 */
export async function publishBreakerStates(
  redis: Redis,
  namespace: string,
  publisher: { replica: string; service: string },
  breakers: readonly PublishedBreaker[],
  { ttlMs, now }: { ttlMs: number; now: number },
): Promise<void> {
  const key = replicaBreakersKey(namespace, publisher.replica);
  const multi = redis.multi().del(key);
  if (breakers.length > 0) {
    const fields = breakers.flatMap((breaker) => [
      breaker.destination,
      JSON.stringify({ ...breaker, service: publisher.service, publishedAt: now }),
    ]);
    multi.hset(key, ...fields).pexpire(key, ttlMs);
    multi.zadd(breakerIndexKey(namespace), now + ttlMs, publisher.replica);
  } else {
    multi.zrem(breakerIndexKey(namespace), publisher.replica);
  }
  const replies = await multi.exec();
  const failed = replies?.find(([err]) => err);
  if (failed) throw failed[0];
}

/** Removes `replica`'s published states at once (a clean stop), instead of waiting for the TTL. */
export async function withdrawBreakerStates(
  redis: Redis,
  namespace: string,
  replica: string,
): Promise<void> {
  await redis
    .multi()
    .del(replicaBreakersKey(namespace, replica))
    .zrem(breakerIndexKey(namespace), replica)
    .exec();
}

function parseBreaker(replica: string, text: string): ReplicaBreaker | undefined {
  try {
    const value = JSON.parse(text) as Partial<ReplicaBreaker>;
    if (typeof value.destination !== 'string' || typeof value.state !== 'string') return undefined;
    return {
      destination: value.destination,
      replica,
      service: String(value.service ?? ''),
      state: value.state,
      since: Number(value.since),
      failureRate: Number(value.failureRate ?? 0),
      calls: Number(value.calls ?? 0),
      paused: value.paused === true,
      publishedAt: Number(value.publishedAt),
    };
  } catch {
    return undefined;
  }
}

/**
 * Every live replica's breakers, sorted by destination then replica. Replicas whose last
 * heartbeat is older than their TTL are left out (and dropped from the index).
 */
export async function readBreakerStates(
  redis: Redis,
  namespace: string,
  now: number,
): Promise<ReplicaBreaker[]> {
  const index = breakerIndexKey(namespace);
  const replicas = await redis.zrangebyscore(index, `(${now}`, '+inf');
  await redis.zremrangebyscore(index, '-inf', now);
  if (replicas.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const replica of replicas) pipeline.hgetall(replicaBreakersKey(namespace, replica));
  const replies = (await pipeline.exec()) ?? [];
  const breakers: ReplicaBreaker[] = [];
  replies.forEach(([err, fields], i) => {
    if (err) throw err;
    for (const text of Object.values((fields ?? {}) as Record<string, string>)) {
      const breaker = parseBreaker(replicas[i]!, text);
      if (breaker) breakers.push(breaker);
    }
  });
  return breakers.sort(
    (a, b) => a.destination.localeCompare(b.destination) || a.replica.localeCompare(b.replica),
  );
}

/**
 * Pauses `destination` for every replica: stored first (so a replica that starts, or
 * missed the announcement, finds it on its next refresh), then announced.
 * Returns the pause as stored (an earlier pause of the same destination is kept).
 */
export async function pauseDestination(
  redis: Redis,
  namespace: string,
  destination: string,
  { by, now }: { by: string; now: number },
): Promise<DestinationPause> {
  const pause: DestinationPause = { destination, since: now, by };
  await redis.hsetnx(pausesKey(namespace), destination, JSON.stringify(pause));
  await redis.publish(pauseChannel(namespace), destination);
  const stored = (await readPauses(redis, namespace)).get(destination);
  return stored ?? pause;
}

/** Ends the pause of `destination` for every replica; false when it was not paused. */
export async function resumeDestination(
  redis: Redis,
  namespace: string,
  destination: string,
): Promise<boolean> {
  const removed = await redis.hdel(pausesKey(namespace), destination);
  await redis.publish(pauseChannel(namespace), destination);
  return removed > 0;
}

/** The paused destinations, by name. */
export async function readPauses(
  redis: Redis,
  namespace: string,
): Promise<Map<string, DestinationPause>> {
  const fields = await redis.hgetall(pausesKey(namespace));
  const pauses = new Map<string, DestinationPause>();
  for (const [destination, text] of Object.entries(fields)) {
    let value: Partial<DestinationPause> = {};
    try {
      value = JSON.parse(text) as Partial<DestinationPause>;
    } catch {
      // A value someone wrote by hand still pauses the destination; only its details are lost.
    }
    pauses.set(destination, {
      destination,
      since: Number(value.since ?? 0),
      by: String(value.by ?? 'unknown'),
    });
  }
  return pauses;
}
