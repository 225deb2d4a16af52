import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { Database } from '@herald/db';
import { registerOpsRoutes, type Logger, type Registry } from '@herald/runtime';
import { streamKey } from '@herald/streams';
import { alertRoutes } from './alert-routes.ts';
import { createBackpressureGate, pipelineQueues } from './backpressure.ts';
import { BodyBudget } from './body-budget.ts';
import { CONTENT_TYPE_FORMATS, type RawBatch } from './batch.ts';
import { toErrorResponse } from './http-errors.ts';
import { deadLetterRoutes } from './dead-letter-routes.ts';
import { destinationRoutes } from './destination-routes.ts';
import { createIngestMetrics } from './metrics.ts';
import { createReadinessCheck } from './readiness.ts';
import { noteRequest, requestNote } from './request-notes.ts';
import { retryRoutes } from './retry-routes.ts';
import { silenceRoutes } from './silence-routes.ts';

/** Bounds on what one request may ask of the service. */
export interface IngestLimits {
  /** Larger bodies get 413 before they are read in full. */
  bodyLimitBytes: number;
  /** Larger batches get 413 before any alert is validated. */
  maxAlertsPerRequest: number;
  /** Sent as Retry-After with a 503 when the database is unavailable. */
  retryAfterSeconds: number;
  /** How long /readyz waits for each store. */
  readyCheckTimeoutMs: number;
}

/** When POST /v1/alerts is refused because the pipeline is behind. */
export interface BackpressureLimits {
  /** Summed lag (entries) of every stage's group above which posts get 503; 0 never refuses. */
  maxPipelineLag: number;
  /** How long one lag reading is used before the next is taken. */
  checkIntervalMs: number;
  /**
   * Bytes of POST /v1/alerts bodies worked on at once above which posts get 503 (one post
   * is always taken on its own); 0 never refuses. What bounds ingest's memory under a
   * capped heap.
   */
  maxBodyBytesInFlight: number;
  /** Sent as Retry-After with the 503. */
  retryAfterSeconds: number;
}

export const DEFAULT_BACKPRESSURE: Readonly<BackpressureLimits> = {
  maxPipelineLag: 100_000,
  maxBodyBytesInFlight: 10 * 1024 * 1024, // 10 MiB
  checkIntervalMs: 1_000, // 1 s
  retryAfterSeconds: 5,
};

export const DEFAULT_LIMITS: Readonly<IngestLimits> = {
  bodyLimitBytes: 10 * 1024 * 1024, // 10 MiB
  maxAlertsPerRequest: 5_000,
  retryAfterSeconds: 5,
  readyCheckTimeoutMs: 2_000, // 2 s
};

/** What the app is built from; main.ts makes these from the environment, tests from fixtures. */
export interface IngestAppDeps {
  db: Database;
  redis: Redis;
  /** The Redis key namespace of this install (`{namespace}:enrich`). */
  namespace: string;
  /** Accepted bearer keys; more than one while a key is being rotated. */
  apiKeys: readonly string[];
  logger: Logger;
  registry: Registry;
  /** Names this process on the history rows it writes. */
  replica: string;
  limits?: Partial<IngestLimits>;
  /** Retries one alert may get from an operator (HERALD_MAX_RETRIES); default 3. */
  maxRetries?: number;
  backpressure?: Partial<BackpressureLimits>;
}

export const DEFAULT_MAX_RETRIES = 3;

const OPS_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** A request's one log line. Never the body or the headers: they hold alerts and the key. */
function logCompleted(request: FastifyRequest, status: number, elapsedMs: number): void {
  const { err, ...note } = requestNote(request);
  const fields = {
    method: request.method,
    path: request.url.split('?')[0],
    status,
    durationMs: Math.round(elapsedMs),
    ...note,
    ...(err === undefined ? {} : { err }),
  };
  if (note.lag !== undefined) {
    // A refusal under backpressure is the service working as meant, not a failure.
    request.log.warn(fields, 'request refused: pipeline behind');
  } else if (status >= 500) {
    request.log.error(fields, 'request failed');
  } else if (OPS_ROUTES.has(request.routeOptions.url ?? '')) {
    // Probes and scrapes arrive every few seconds; they would drown the alert traffic.
    request.log.debug(fields, 'request completed');
  } else {
    request.log.info(fields, 'request completed');
  }
}

function checkLimits(limits: IngestLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`limits.${name} must be a positive whole number, got ${value}`);
    }
  }
}

/**
 * The ingest API as a Fastify instance, not yet listening: main.ts listens on it, tests
 * call `inject`. Serves /v1/alerts (and the operator's retry and dead-letter routes)
 * behind the API key, and /healthz, /readyz and /metrics without it. Every error answer
 * is JSON `{ error }` with a sentence saying what is wrong.
 */
export function buildApp(deps: IngestAppDeps): FastifyInstance {
  const limits: IngestLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  checkLimits(limits);
  const backpressure: BackpressureLimits = { ...DEFAULT_BACKPRESSURE, ...deps.backpressure };
  for (const [name, value] of Object.entries(backpressure)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`backpressure.${name} must be a whole number >= 0, got ${value}`);
    }
  }
  const maxRetries = deps.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(`maxRetries must be a whole number >= 0, got ${maxRetries}`);
  }

  // Typed as Fastify's base logger so the instance has Fastify's default type.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app: FastifyInstance = Fastify({
    loggerInstance,
    // Each request gets one line, written in onResponse below with its counts.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: limits.bodyLimitBytes,
    // Raised before routing (a malformed URL), so the error handler below never sees them.
    frameworkErrors: (err, request, reply) => {
      const response = toErrorResponse(err, request, limits);
      noteRequest(request, { reason: response.body.error });
      void (reply as FastifyReply).code(response.status).send(response.body);
      // No route, so no onResponse hook either: the request's line is written here.
      logCompleted(request, response.status, reply.elapsedTime);
    },
  });

  // The route reads the body itself, as text, because what a bad body gets depends on its
  // format: a bad NDJSON line is one rejected alert, not a failed request.
  app.removeAllContentTypeParsers();
  for (const [type, format] of Object.entries(CONTENT_TYPE_FORMATS)) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_request, text, done) => {
      const body: RawBatch = { format, text: String(text) };
      done(null, body);
    });
  }

  app.setErrorHandler((err, request, reply) => {
    const response = toErrorResponse(err, request, limits);
    noteRequest(request, response.status >= 500 ? { err } : { reason: response.body.error });
    return reply.code(response.status).headers(response.headers).send(response.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    noteRequest(request, { reason: 'no such route' });
    return reply.code(404).send({ error: `no route ${request.method} ${path}` });
  });

  // Once the server is closing, each answer also closes its connection: a keep-alive
  // connection that went idle after the close began would otherwise hold app.close() open
  // until the client's idle timeout, far past the shutdown deadline.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) {
      reply.header('connection', 'close');
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    logCompleted(request, reply.statusCode, reply.elapsedTime);
  });

  registerOpsRoutes(app, {
    registry: deps.registry,
    checkReady: createReadinessCheck({
      db: deps.db,
      redis: deps.redis,
      logger: deps.logger,
      timeoutMs: limits.readyCheckTimeoutMs,
    }),
  });
  const metrics = createIngestMetrics(deps.registry);
  const actor = { service: 'ingest-api', replica: deps.replica };
  const enrichStream = streamKey(deps.namespace, 'enrich');
  const gate = createBackpressureGate({
    redis: deps.redis,
    streams: pipelineQueues(deps.namespace),
    maxLag: backpressure.maxPipelineLag,
    checkIntervalMs: backpressure.checkIntervalMs,
    logger: deps.logger,
    onLag: (lag) => metrics.pipelineLag.set(lag),
  });
  void app.register(alertRoutes, {
    db: deps.db,
    redis: deps.redis,
    stream: enrichStream,
    backpressure: { gate, retryAfterSeconds: backpressure.retryAfterSeconds },
    bodies: {
      budget: new BodyBudget(backpressure.maxBodyBytesInFlight),
      bodyLimitBytes: limits.bodyLimitBytes,
    },
    actor,
    apiKeys: deps.apiKeys,
    maxAlertsPerRequest: limits.maxAlertsPerRequest,
    metrics,
  });
  void app.register(retryRoutes, {
    db: deps.db,
    redis: deps.redis,
    namespace: deps.namespace,
    actor,
    apiKeys: deps.apiKeys,
    maxRetries,
    metrics,
  });
  void app.register(deadLetterRoutes, {
    db: deps.db,
    redis: deps.redis,
    namespace: deps.namespace,
    apiKeys: deps.apiKeys,
    actor,
    maxRetries,
  });
  void app.register(silenceRoutes, { db: deps.db, apiKeys: deps.apiKeys });
  void app.register(destinationRoutes, {
    redis: deps.redis,
    namespace: deps.namespace,
    apiKeys: deps.apiKeys,
    replica: deps.replica,
  });

  return app;
}
