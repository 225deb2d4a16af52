import { loadEnv } from '@herald/ingest-api/src/env.ts';
import { startIngestApi, type IngestService } from '@herald/ingest-api/src/server.ts';
import { TEST_KEYS, captureLogger } from '@herald/ingest-api/src/testing.ts';
import { Registry } from '@herald/runtime';
import type { CliIo } from './command.ts';

export { TEST_KEYS };

/** A CliIo whose output the test reads back, with HERALD_URL/HERALD_API_KEY set. */
export function captureIo(env: Record<string, string | undefined> = {}): {
  io: CliIo;
  out: () => string;
  err: () => string;
} {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd: process.cwd() },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

/**
 * The real ingest API on a free loopback port, on the test's stores, as main.ts starts it;
 * `env` is what a CLI pointed at it sees. Stop it with `service.stop()`.
 */
export async function startHerald(
  stores: { databaseUrl: string; redisUrl: string; namespace: string },
  extra: Record<string, string> = {},
): Promise<{ service: IngestService; env: Record<string, string> }> {
  const service = await startIngestApi(
    loadEnv({
      DATABASE_URL: stores.databaseUrl,
      REDIS_URL: stores.redisUrl,
      HERALD_REDIS_NAMESPACE: stores.namespace,
      HERALD_HTTP_HOST: '127.0.0.1',
      HERALD_HTTP_PORT: '0',
      HERALD_API_KEY: TEST_KEYS.join(','),
      ...extra,
    }),
    captureLogger().logger,
    { registry: new Registry(), replica: 'cli-test' },
  );
  return { service, env: { HERALD_URL: service.address, HERALD_API_KEY: TEST_KEYS[0] } };
}
