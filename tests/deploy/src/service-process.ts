// A service started from a built image tree the way its container starts it: `node
// src/main.ts` in /app/apps/<service>, with only the environment the container would get.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@herald/testkit';
import type { RunAs } from './image-build.ts';
import type { Service } from './services.ts';

const STOP_TIMEOUT_MS = 20_000;
const READY_TIMEOUT_MS = 30_000;

/** The key ingest-api accepts in these tests. */
export const TEST_API_KEY = 'deploy-test-key-0123456789';

/** A running service process. */
export interface StartedService {
  name: Service['name'];
  port: number;
  exited: Promise<number | null>;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code; kills it if it outlasts the bound. */
  stop(): Promise<number | null>;
}

/** What a container of `service` is given: the stores, its port, the image's HERALD_APP. */
export function containerEnv(
  service: Service,
  stores: { databaseUrl: string; redisUrl: string; namespace: string },
  port: number,
  mailbox: string,
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HERALD_APP: service.name,
    DATABASE_URL: stores.databaseUrl,
    REDIS_URL: stores.redisUrl,
    HERALD_REDIS_NAMESPACE: stores.namespace,
    ...(service.stage
      ? { OPS_HOST: '127.0.0.1', OPS_PORT: String(port) }
      : {
          HERALD_HTTP_HOST: '127.0.0.1',
          HERALD_HTTP_PORT: String(port),
          HERALD_API_KEY: TEST_API_KEY,
        }),
    ...(service.name === 'sender' ? { HERALD_MAILBOX_DIR: mailbox } : {}),
  };
}

/** Starts `service` from the image tree at `appRoot` as its ENTRYPOINT does. */
export function startService(
  node: string,
  appRoot: string,
  service: Service,
  env: Record<string, string>,
  user: RunAs,
): StartedService {
  const child = spawn(node, ['src/main.ts'], {
    cwd: join(appRoot, 'apps', service.name),
    env,
    ...user,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const port = Number(env.OPS_PORT ?? env.HERALD_HTTP_PORT);
  return {
    name: service.name,
    port,
    exited,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      const bound = new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`${service.name} did not exit within ${STOP_TIMEOUT_MS} ms`)),
          STOP_TIMEOUT_MS,
        ).unref(),
      );
      try {
        return await Promise.race([exited, bound]);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

/** The status of a GET, or undefined when nothing answers. */
export async function httpStatus(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return undefined;
  }
}

/** Resolves once /readyz answers 200; rejects at once, with its output, if it exits first. */
export async function waitUntilReady(started: StartedService): Promise<void> {
  const exitedEarly = started.exited.then((code) => {
    throw new Error(
      `${started.name} exited with ${code} before it was ready:\n${started.output()}`,
    );
  });
  await Promise.race([
    exitedEarly,
    waitFor(
      `${started.name} /readyz`,
      async () => (await httpStatus(`http://127.0.0.1:${started.port}/readyz`)) === 200,
      { timeoutMs: READY_TIMEOUT_MS },
    ),
  ]);
}
