import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../scripts/local-services.mjs';
import { SERVICE_ENV, SERVICE_NODE_OPTIONS } from '../../scripts/service-node-options.mjs';
import { REPO_ROOT, waitFor } from './helpers.ts';

export const SERVICE_NAMES = ['ingest-api', 'enricher', 'analyzer', 'formatter', 'sender'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** A service that exited without the suite killing it: a finding, not a fault we injected. */
export interface UnexpectedExit {
  name: ServiceName;
  code: number | string;
  at: number;
  /** The last lines it printed: why it stopped. */
  lastLines: string[];
}

export interface Services {
  apiUrl: string;
  apiKey: string;
  /** SIGKILL, then start again and wait (bounded) until it is ready. */
  killAndRestart(name: ServiceName, downMs: number): Promise<void>;
  unexpectedExits: UnexpectedExit[];
  /** SIGTERM to all, each bounded; resolves with the exit codes. */
  stop(): Promise<Record<string, number | string>>;
}

interface Running {
  child: ChildProcess;
  exited: Promise<number | string>;
  killedOnPurpose: boolean;
}

/**
 * The five services as processes. Workers reach Redis through `workerRedisUrl` (the fault
 * proxy), ingest-api directly. Logs go to `<logDir>/<name>.log`, appended across restarts.
 * A service that dies on its own is recorded and started again, so the run goes on.
 */
export async function startServices(options: {
  databaseUrl: string;
  redisUrl: string;
  workerRedisUrl: string;
  logDir: string;
  env: Record<string, string>;
}): Promise<Services> {
  mkdirSync(options.logDir, { recursive: true });
  const apiKey = 'fault-suite-key-0123456789abcdef';
  const httpPort = await freePort();
  const apiUrl = `http://127.0.0.1:${httpPort}`;
  const opsPorts = new Map<ServiceName, number>();
  for (const name of SERVICE_NAMES) opsPorts.set(name, await freePort());
  const logs = new Map<ServiceName, WriteStream>();
  const running = new Map<ServiceName, Running>();
  const unexpectedExits: UnexpectedExit[] = [];
  let stopping = false;
  let generation = 0;

  function spawnService(name: ServiceName): Running {
    let log = logs.get(name);
    if (!log) {
      log = createWriteStream(join(options.logDir, `${name}.log`), { flags: 'a' });
      logs.set(name, log);
    }
    generation += 1;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: name === 'ingest-api' ? options.redisUrl : options.workerRedisUrl,
      HERALD_REDIS_NAMESPACE: 'herald',
      HERALD_API_KEY: apiKey,
      HERALD_HTTP_HOST: '127.0.0.1',
      HERALD_HTTP_PORT: String(httpPort),
      OPS_HOST: '127.0.0.1',
      OPS_PORT: String(opsPorts.get(name)),
      HERALD_REPLICA: `${name}-${generation}`,
      LOG_LEVEL: 'info',
      // Grouping off (every alert its own group), so the check can hold each accepted alert
      // to one message; by the default key (rule, agent, source IP) the corpus's repeats
      // would fold into digests. Digests across a restart and a Redis loss: tests/e2e/grouping.
      HERALD_GROUP_BY: '...',
      ...SERVICE_ENV,
      ...options.env,
    };
    // The heap limits the services ship with, so a kill under load is what production sees.
    const child = spawn(process.execPath, [...SERVICE_NODE_OPTIONS, `${REPO_ROOT}apps/${name}/src/main.ts`], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    let tail: string[] = [];
    const keepTail = (chunk: Buffer) => {
      tail = [...tail, ...chunk.toString().split('\n').filter(Boolean)].slice(-4);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    const entry: Running = {
      child,
      killedOnPurpose: false,
      exited: new Promise((resolve) => {
        child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
      }),
    };
    void entry.exited.then((code) => {
      if (entry.killedOnPurpose || stopping) return;
      unexpectedExits.push({ name, code, at: Date.now(), lastLines: tail });
      setTimeout(() => {
        if (!stopping && running.get(name) === entry) void start(name);
      }, 500);
    });
    running.set(name, entry);
    return entry;
  }

  async function start(name: ServiceName): Promise<void> {
    const entry = spawnService(name);
    const readyUrl =
      name === 'ingest-api' ? `${apiUrl}/readyz` : `http://127.0.0.1:${opsPorts.get(name)}/readyz`;
    // Bounded; a service not ready in time (its database is down) keeps running and catches up.
    await waitFor(
      `${name} to be ready`,
      async () => {
        if (entry.child.exitCode !== null || entry.child.signalCode !== null) return true;
        const response = await fetch(readyUrl, { signal: AbortSignal.timeout(1000) }).catch(
          () => undefined,
        );
        return response?.ok;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    ).catch(() => undefined);
  }

  async function stopOne(name: ServiceName, signal: NodeJS.Signals): Promise<number | string> {
    const entry = running.get(name);
    if (!entry) return 'not running';
    entry.killedOnPurpose = true;
    if (entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill(signal);
    const timer = setTimeout(() => entry.child.kill('SIGKILL'), 15_000);
    const code = await entry.exited;
    clearTimeout(timer);
    return code;
  }

  for (const name of SERVICE_NAMES) await start(name);

  return {
    apiUrl,
    apiKey,
    unexpectedExits,
    async killAndRestart(name, downMs) {
      await stopOne(name, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start(name);
    },
    async stop() {
      stopping = true;
      const codes = await Promise.all(SERVICE_NAMES.map((name) => stopOne(name, 'SIGTERM')));
      for (const log of logs.values()) log.end();
      return Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, codes[i]!]));
    },
  };
}
