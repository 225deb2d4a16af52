import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, testServers, waitFor } from '@herald/testkit';
import { SERVICE_ENV, SERVICE_NODE_OPTIONS } from '../../../scripts/service-node-options.mjs';
import { TEST_KEYS } from './testing.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** ingest-api's main.ts running as its own process, for tests of its memory bounds. */
export interface ShippedIngest {
  port: number;
  /** What it printed on stderr so far ("JavaScript heap out of memory" when it died of it). */
  stderr(): string;
  /** Its exit code, or null while it runs. */
  exitCode(): number | null;
  kill(): void;
}

/**
 * Starts main.ts under the Node flags and environment the services ship with
 * (scripts/service-node-options.mjs), without backpressure, and waits until it is ready.
 */
export async function startShippedIngest(stores: {
  databaseUrl: string;
  redisUrl: string;
  namespace: string;
}): Promise<ShippedIngest> {
  const port = await freePort();
  const child = spawn(testServers().node, [...SERVICE_NODE_OPTIONS, MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      ...SERVICE_ENV,
      DATABASE_URL: stores.databaseUrl,
      REDIS_URL: stores.redisUrl,
      HERALD_REDIS_NAMESPACE: stores.namespace,
      HERALD_API_KEY: TEST_KEYS[0],
      HERALD_HTTP_HOST: '127.0.0.1',
      HERALD_HTTP_PORT: String(port),
      HERALD_MAX_PIPELINE_LAG: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const shipped: ShippedIngest = {
    port,
    stderr: () => stderr,
    exitCode: () => child.exitCode,
    kill: () => child.kill('SIGKILL'),
  };
  try {
    await waitFor(
      'ingest-api to be ready',
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok,
      { timeoutMs: 30_000 },
    );
  } catch (err) {
    shipped.kill();
    throw err;
  }
  return shipped;
}
