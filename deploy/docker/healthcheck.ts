// The image's HEALTHCHECK: asks this container's own service whether it is ready, with Node's
// fetch (the slim base image has no curl). Exit 0 when it answers 200, 1 otherwise.
//
//   node /app/deploy/healthcheck.ts [path]      path: /readyz (default) or /healthz
//
// Which port: HERALD_APP (set by the image) names the service; ingest-api answers on its HTTP
// port, the stage apps on their ops port. The defaults below are the apps' own (their
// src/env.ts); tests/deploy checks that they agree.
import { fileURLToPath } from 'node:url';

/** The port each service listens on for health checks when the environment sets none. */
export const DEFAULT_HEALTH_PORTS = {
  'ingest-api': 8080,
  enricher: 9101,
  analyzer: 9102,
  formatter: 9103,
  sender: 9104,
} as const;

type Service = keyof typeof DEFAULT_HEALTH_PORTS;

const TIMEOUT_MS = 4_000; // below the HEALTHCHECK --timeout, so this reports before Docker kills it

function isService(value: string | undefined): value is Service {
  return value !== undefined && Object.hasOwn(DEFAULT_HEALTH_PORTS, value);
}

/** The URL to probe for `service` given its environment. */
export function healthUrl(service: Service, env: NodeJS.ProcessEnv, path: string): string {
  const [hostVar, portVar] =
    service === 'ingest-api' ? ['HERALD_HTTP_HOST', 'HERALD_HTTP_PORT'] : ['OPS_HOST', 'OPS_PORT'];
  const port = env[portVar] || String(DEFAULT_HEALTH_PORTS[service]);
  // A service bound to every interface is reached on loopback; one bound to a single
  // address only there.
  const bound = env[hostVar] || '127.0.0.1';
  const host = ['0.0.0.0', '::', '[::]'].includes(bound) ? '127.0.0.1' : bound;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
}

const invokedDirectly = process.argv[1] === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const service = process.env.HERALD_APP;
  const path = process.argv[2] ?? '/readyz';
  if (!isService(service)) {
    process.stderr.write(
      `HERALD_APP must name a Herald service, got ${JSON.stringify(service ?? '')}\n`,
    );
    process.exit(1);
  }
  const url = healthUrl(service, process.env, path);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    process.stdout.write(`${url} ${response.status}\n`);
    process.exit(response.status === 200 ? 0 : 1);
  } catch (err) {
    process.stdout.write(`${url} ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
