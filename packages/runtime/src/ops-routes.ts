import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface OpsRoutesOptions {
  registry: Registry;
  /**
   * Whether this process can do its job now (stores reachable, not shutting down). Health
   * says the process lives; readiness says send it work.
   */
  checkReady: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
}

/** GET /healthz, /readyz and /metrics, on the app's own server or a separate one. */
export function registerOpsRoutes(app: FastifyInstance, options: OpsRoutesOptions): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const { ready, checks } = await options.checkReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', async (_request, reply) => {
    const body = await options.registry.metrics();
    return reply.type(options.registry.contentType).send(body);
  });
}
