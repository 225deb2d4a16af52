import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { getAlertView, type Actor, type Database } from '@herald/db';
import { AlertWriter } from './alert-writer.ts';
import { apiKeyHook } from './auth.ts';
import type { BackpressureGate } from './backpressure.ts';
import { expectedBodyBytes, type BodyBudget } from './body-budget.ts';
import { splitBatch, type RawBatch } from './batch.ts';
import { StoreUnavailableError } from './errors.ts';
import { ingest, type IngestResult } from './ingest.ts';
import type { IngestMetrics } from './metrics.ts';
import { noteRequest } from './request-notes.ts';

/** What the /v1/alerts routes need. */
export interface AlertRoutesOptions {
  db: Database;
  redis: Redis;
  /** The enrich stream's key. */
  stream: string;
  /** Refuses posts while the pipeline's stages together lag too far behind. */
  backpressure: { gate: BackpressureGate; retryAfterSeconds: number };
  /** Refuses posts while the bodies being worked on would take too much memory. */
  bodies: { budget: BodyBudget; bodyLimitBytes: number };
  actor: Actor;
  apiKeys: readonly string[];
  maxAlertsPerRequest: number;
  metrics: IngestMetrics;
}

function recordOutcome(
  request: FastifyRequest,
  result: IngestResult,
  metrics: IngestMetrics,
): void {
  const duplicate = result.accepted.filter((a) => a.duplicate).length;
  const counts = {
    accepted: result.accepted.length - duplicate,
    duplicate,
    rejected: result.rejected.length,
  };
  noteRequest(request, counts);
  for (const [outcome, count] of Object.entries(counts)) {
    if (count > 0) {
      metrics.alerts.inc({ outcome }, count);
    }
  }

  for (const alert of result.accepted) {
    request.log.debug(
      { alertId: alert.id, index: alert.index, duplicate: alert.duplicate },
      'alert accepted',
    );
  }
  for (const alert of result.rejected) {
    const fields = alert.errors.map((e) => e.field);
    request.log.debug({ index: alert.index, line: alert.line, fields }, 'alert rejected');
  }
  if (result.unpublished) {
    metrics.publishFailures.inc(result.unpublished.count);
    request.log.warn(
      { err: result.unpublished.err, count: result.unpublished.count },
      'publishing to the enrich stream failed; the stored alerts wait for the sweeper',
    );
  }
}

/**
 * POST /v1/alerts and GET /v1/alerts/:id, behind the API key (checked before the body is
 * read).
 */
export async function alertRoutes(
  app: FastifyInstance,
  options: AlertRoutesOptions,
): Promise<void> {
  const target = {
    writer: new AlertWriter({
      db: options.db,
      redis: options.redis,
      stream: options.stream,
      actor: options.actor,
      onWrite: (alerts) => options.metrics.writeGroupAlerts.observe(alerts),
    }),
  };

  app.addHook('onRequest', apiKeyHook(options.apiKeys));

  const recordRequest = async (request: FastifyRequest, reply: FastifyReply) => {
    const status = String(reply.statusCode);
    options.metrics.requests.inc({ status });
    options.metrics.requestDuration.observe({ status }, reply.elapsedTime / 1000);
  };

  // Route-level onRequest runs after the key check and before the body is read: a refused
  // post costs neither the body's memory nor a database round trip, and nothing is stored.
  const refuseWhenBehind = async (request: FastifyRequest, reply: FastifyReply) => {
    const verdict = await options.backpressure.gate.check();
    if (!verdict.refuse) return;
    options.metrics.backpressureRefusals.inc();
    noteRequest(request, { lag: verdict.lag });
    return reply
      .code(503)
      .header('retry-after', String(options.backpressure.retryAfterSeconds))
      .send({
        error:
          `the pipeline is behind: ${verdict.lag} alerts wait in its stages ` +
          `(limit ${verdict.maxLag}); nothing was stored, retry later`,
        lag: verdict.lag,
      });
  };

  // Also before the body is read. The reservation lasts until the response is sent or the
  // connection closes, whichever comes first.
  const refuseWhenFull = async (request: FastifyRequest, reply: FastifyReply) => {
    const { budget, bodyLimitBytes } = options.bodies;
    const bytes = expectedBodyBytes(request.headers['content-length'], bodyLimitBytes);
    const release = budget.tryReserve(bytes);
    if (release) {
      reply.raw.once('close', release);
      return;
    }
    options.metrics.bodyBudgetRefusals.inc();
    noteRequest(request, { reason: 'bodies in flight at their limit' });
    return reply
      .code(503)
      .header('retry-after', String(options.backpressure.retryAfterSeconds))
      .send({
        error:
          `ingest is working on ${budget.inFlight} bytes of posts (limit ${budget.maxBytes}); ` +
          'nothing was stored, retry later',
      });
  };

  app.post(
    '/v1/alerts',
    { onRequest: [refuseWhenBehind, refuseWhenFull], onResponse: recordRequest },
    async (request, reply) => {
      const entries = splitBatch(request.body as RawBatch | undefined, options.maxAlertsPerRequest);
      const result = await ingest(entries, target);
      recordOutcome(request, result, options.metrics);

      if (result.rejected.length > 0) {
        noteRequest(request, { reason: 'some alerts were rejected' });
        return reply.code(400).send({
          error: 'some alerts were rejected',
          accepted: result.accepted,
          rejected: result.rejected,
        });
      }
      // Only now: every accepted alert is committed (ingest returns after the insert).
      return reply.code(202).send({ accepted: result.accepted, rejected: [] });
    },
  );

  app.get<{ Params: { id: string } }>('/v1/alerts/:id', async (request, reply) => {
    const { id } = request.params;
    let view;
    try {
      view = await getAlertView(options.db, id);
    } catch (err) {
      throw new StoreUnavailableError('the database is unavailable; retry later', { cause: err });
    }

    if (!view) {
      noteRequest(request, { reason: 'no such alert' });
      return reply.code(404).send({ error: `no alert with id ${id}` });
    }
    return reply.send(view);
  });
}
