import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SERVICE_ENV, SERVICE_NODE_OPTIONS } from '../../../scripts/service-node-options.mjs';
import { testServers } from './env.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A Herald service running as its own process, as in production. */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed (JSON log lines), for assertions and for failure messages. */
  output(): string;
  /** Resolves with the exit code (or signal name) once it has exited. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts `apps/<name>/src/main.ts` with Node 24, the heap limits and environment the services
 * ship with, and the given environment.
 */
export function startService(name: string, env: Record<string, string>): ServiceProcess {
  const script = `${REPO_ROOT}apps/${name}/src/main.ts`;
  const child = spawn(testServers().node, [...SERVICE_NODE_OPTIONS, script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...SERVICE_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return {
    name,
    child,
    output: () => output,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
