import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerOpsRoutes, type OpsRoutesOptions } from './ops-routes.ts';

export interface OpsServerOptions extends OpsRoutesOptions {
  host: string;
  /** 0 picks a free port; read the bound one from `address`. */
  port: number;
  logger: Logger;
}

/** A small HTTP server with only the ops routes, for services that serve nothing else. */
export async function startOpsServer(
  options: OpsServerOptions,
): Promise<{ app: FastifyInstance; address: string; close(): Promise<void> }> {
  // Typed as Fastify's base logger so the instance has the same type as any other app's.
  const loggerInstance: FastifyBaseLogger = options.logger.child({ component: 'ops' });
  // Probes hit these routes every few seconds: a log line per request would drown the rest.
  const app: FastifyInstance = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
  });
  registerOpsRoutes(app, options);
  const address = await app.listen({ host: options.host, port: options.port });
  return { app, address, close: () => app.close() };
}
