import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Actor, Database } from '@herald/db';
import { streamKey } from '@herald/streams';
import { apiKeyHook } from './auth.ts';
import type { RawBatch } from './batch.ts';
import type { IngestMetrics } from './metrics.ts';
import { parseRetryAllBody } from './operator-requests.ts';
import { noteRequest } from './request-notes.ts';
import { retryAndPublish, type RetryOutcome, type RetryTarget } from './retry.ts';

/** What the retry routes need. */
export interface RetryRoutesOptions {
  db: Database;
  redis: Redis;
  /** The Redis key namespace of this install. */
  namespace: string;
  actor: Actor;
  apiKeys: readonly string[];
  /** Retries one alert may get (HERALD_MAX_RETRIES). */
  maxRetries: number;
  metrics: IngestMetrics;
}

function recordRetry(request: FastifyRequest, outcome: RetryOutcome, metrics: IngestMetrics): void {
  noteRequest(request, { retried: outcome.retried.length, skipped: outcome.skipped.length });
  for (const alertId of outcome.retried) {
    request.log.debug({ alertId }, 'alert retried');
  }
  if (outcome.unpublished) {
    metrics.publishFailures.inc(outcome.unpublished.count);
    request.log.warn(
      { err: outcome.unpublished.err, count: outcome.unpublished.count },
      'publishing to the enrich stream failed; the retried alerts wait for the sweeper',
    );
  }
}

/**
 * The operator's retries, behind the API key: POST /v1/alerts/:id/retry moves one alert
 * from `error` back to `new`, POST /v1/alerts/retry every alert in `error` up to a limit;
 * both hand the retried alerts to the enrich stream after the commit. This is also how a
 * dead letter is requeued: the dead-letter stream is a record, the alert's state the truth.
 */
export async function retryRoutes(
  app: FastifyInstance,
  options: RetryRoutesOptions,
): Promise<void> {
  const target: RetryTarget = {
    db: options.db,
    redis: options.redis,
    stream: streamKey(options.namespace, 'enrich'),
    actor: options.actor,
    maxRetries: options.maxRetries,
  };

  app.addHook('onRequest', apiKeyHook(options.apiKeys));

  app.post<{ Params: { id: string } }>('/v1/alerts/:id/retry', async (request, reply) => {
    const { id } = request.params;
    const outcome = await retryAndPublish({ ids: [id] }, target);
    recordRetry(request, outcome, options.metrics);
    if (outcome.retried.length === 1) {
      // Committed (and handed to the enrich stream, or left to the sweeper).
      return reply.code(202).send({ id: outcome.retried[0], state: 'new' });
    }

    const skip = outcome.skipped[0]!;
    noteRequest(request, { reason: skip.reason });
    switch (skip.reason) {
      case 'unknown id':
        return reply.code(404).send({ error: `no alert with id ${id}` });
      case 'retry limit reached':
        return reply.code(409).send({
          error:
            `alert ${skip.id} has been retried ${skip.retries} times, the limit per alert ` +
            `(${options.maxRetries}); it stays in error`,
          state: skip.state,
          retries: skip.retries,
        });
      case 'not in error':
        return reply.code(409).send({
          error: `alert ${skip.id} is in state '${skip.state}'; only an alert in state 'error' can be retried`,
          state: skip.state,
          retries: skip.retries,
        });
      default: {
        const unexpected: never = skip.reason;
        throw new Error(`unknown retry skip reason ${String(unexpected)}`);
      }
    }
  });

  app.post('/v1/alerts/retry', async (request, reply) => {
    const { limit } = parseRetryAllBody(request.body as RawBatch | undefined);
    const outcome = await retryAndPublish({ all: true, limit }, target);
    recordRetry(request, outcome, options.metrics);
    return reply.code(202).send({ retried: outcome.retried, skipped: outcome.skipped });
  });
}
