import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import {
  pauseDestination,
  readBreakerStates,
  readPauses,
  resumeDestination,
  type DestinationPause,
  type ReplicaBreaker,
} from '@herald/streams';
import { apiKeyHook } from './auth.ts';
import { IngestRequestError, StoreUnavailableError } from './errors.ts';

/** What GET /v1/breakers answers: every live replica's breakers, and the pauses. */
export interface BreakerBoardView {
  breakers: (Omit<ReplicaBreaker, 'since' | 'publishedAt'> & {
    since: string;
    publishedAt: string;
  })[];
  paused: { destination: string; since: string; by: string }[];
}

/** What the breaker and destination routes need. */
export interface DestinationRoutesOptions {
  redis: Redis;
  namespace: string;
  apiKeys: readonly string[];
  /** Written as who paused a destination. */
  replica: string;
  now?: () => number;
}

// A destination is a breaker name such as `smtp:relay.example.org` or `webhook:teams`.
const DESTINATION = /^[\x21-\x7e]{1,200}$/;

function checkDestination(name: string): string {
  if (!DESTINATION.test(name)) {
    throw new IngestRequestError(
      'INGEST_INVALID_REQUEST',
      'the destination must be 1 to 200 printable characters without spaces, e.g. smtp:relay.example.org',
    );
  }
  return name;
}

async function fromRedis<T>(what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (err) {
    throw new StoreUnavailableError('Redis is unavailable; retry later', { cause: err });
  }
}

function pauseView(pause: DestinationPause) {
  return {
    destination: pause.destination,
    since: new Date(pause.since).toISOString(),
    by: pause.by,
  };
}

/**
 * Behind the API key: GET /v1/breakers lists the breakers every live replica published
 * (destination, replica, state, since, failure rate) and the paused destinations; POST
 * /v1/destinations/:name/pause and /resume pause or resume a destination for every replica
 * (stored in Redis, announced; each replica applies it at once, or on its next heartbeat).
 */
export async function destinationRoutes(
  app: FastifyInstance,
  options: DestinationRoutesOptions,
): Promise<void> {
  const now = options.now ?? Date.now;
  app.addHook('onRequest', apiKeyHook(options.apiKeys));

  app.get('/v1/breakers', async (_request, reply) => {
    const [breakers, pauses] = await fromRedis(() =>
      Promise.all([
        readBreakerStates(options.redis, options.namespace, now()),
        readPauses(options.redis, options.namespace),
      ]),
    );
    const view: BreakerBoardView = {
      breakers: breakers.map((breaker) => ({
        ...breaker,
        since: new Date(breaker.since).toISOString(),
        publishedAt: new Date(breaker.publishedAt).toISOString(),
      })),
      paused: [...pauses.values()]
        .sort((a, b) => a.destination.localeCompare(b.destination))
        .map(pauseView),
    };
    return reply.send(view);
  });

  app.post<{ Params: { name: string } }>('/v1/destinations/:name/pause', async (request, reply) => {
    const destination = checkDestination(request.params.name);
    const pause = await fromRedis(() =>
      pauseDestination(options.redis, options.namespace, destination, {
        by: `ingest-api:${options.replica}`,
        now: now(),
      }),
    );
    request.log.warn({ destination }, 'destination paused');
    return reply.send({ ...pauseView(pause), paused: true });
  });

  app.post<{ Params: { name: string } }>(
    '/v1/destinations/:name/resume',
    async (request, reply) => {
      const destination = checkDestination(request.params.name);
      const wasPaused = await fromRedis(() =>
        resumeDestination(options.redis, options.namespace, destination),
      );
      request.log.info({ destination, wasPaused }, 'destination resumed');
      return reply.send({ destination, paused: false, wasPaused });
    },
  );
}
