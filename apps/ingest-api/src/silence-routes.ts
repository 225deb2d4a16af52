import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createSilence, expireSilence, listSilences, type Database } from '@herald/db';
import { apiKeyHook } from './auth.ts';
import type { RawBatch } from './batch.ts';
import { IngestRequestError, StoreUnavailableError } from './errors.ts';
import { parseSilenceBody, silenceView } from './silence-requests.ts';

/** What the silence routes need. */
export interface SilenceRoutesOptions {
  db: Database;
  apiKeys: readonly string[];
  now?: () => Date;
}

// A query that failed is the database's fault, not the request's: 503 with Retry-After.
async function stored<T>(query: Promise<T>): Promise<T> {
  try {
    return await query;
  } catch (err) {
    throw new StoreUnavailableError('the database is unavailable; retry later', { cause: err });
  }
}

/**
 * Silences, behind the API key: POST /v1/silences sets one, GET /v1/silences lists those
 * not yet ended (`?expired=true`: all), DELETE /v1/silences/:id (or POST
 * /v1/silences/:id/expire) ends one now. The analyzer reads them from PostgreSQL, so a
 * change applies within its silence cache's TTL.
 */
export async function silenceRoutes(
  app: FastifyInstance,
  options: SilenceRoutesOptions,
): Promise<void> {
  const now = options.now ?? (() => new Date());
  app.addHook('onRequest', apiKeyHook(options.apiKeys));

  app.post('/v1/silences', async (request, reply) => {
    const at = now();
    const silence = parseSilenceBody(request.body as RawBatch | undefined, at);
    const created = await stored(createSilence(options.db.pool, silence));
    request.log.info({ silenceId: created.id, author: created.author }, 'silence created');
    return reply.code(201).send(silenceView(created, at));
  });

  app.get<{ Querystring: { expired?: string } }>('/v1/silences', async (request) => {
    const { expired } = request.query;
    if (expired !== undefined && expired !== 'true' && expired !== 'false') {
      throw new IngestRequestError('INGEST_INVALID_REQUEST', 'expired must be true or false');
    }
    const at = now();
    const silences = await stored(
      listSilences(options.db.pool, { now: at, includeExpired: expired === 'true' }),
    );
    return { silences: silences.map((silence) => silenceView(silence, at)) };
  });

  const expire = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
  ): Promise<FastifyReply> => {
    const { id } = request.params;
    const at = now();
    const silence = await stored(expireSilence(options.db.pool, id, at));
    if (!silence) return reply.code(404).send({ error: `no silence with id ${id}` });
    request.log.info({ silenceId: id }, 'silence expired');
    return reply.code(200).send(silenceView(silence, at));
  };
  app.delete<{ Params: { id: string } }>('/v1/silences/:id', expire);
  app.post<{ Params: { id: string } }>('/v1/silences/:id/expire', expire);
}
