import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./kill-worker.fixture.ts', import.meta.url));

/** The kill-worker fixture running in its own process, for the crash tests. */
export interface KillWorker {
  child: ChildProcess;
  /** Everything it printed: `ready`, then what it worked or committed before dying. */
  output(): string;
  /** The signal it ended on (SIGKILL when it killed itself). */
  exited: Promise<NodeJS.Signals | null>;
}

/** Starts the fixture, which dies at `killAt` of its first batch (see the fixture). */
export function startKillWorker(options: {
  databaseUrl: string;
  redisUrl: string;
  namespace: string;
  killAt: 'handler' | 'after-commit' | 'freeze';
  claimsInCommit: boolean;
}): KillWorker {
  const child = spawn(process.execPath, [FIXTURE], {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      HERALD_REDIS_NAMESPACE: options.namespace,
      KILL_AT: options.killAt,
      CLAIMS_IN_COMMIT: options.claimsInCommit ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  return { child, output: () => out, exited };
}
