// The image build of deploy/Dockerfile, step by step, outside Docker: no Docker engine runs
// where the tests do. Each step runs the command of the matching Dockerfile stage (the test
// `dockerfile.test.ts` checks that the Dockerfile still runs them), and each COPY becomes a
// copy between folders of a temporary directory.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@herald/testkit';
import type { ImageTarget } from '../../../deploy/docker/prune.ts';

/** The commands the Dockerfile runs, in its words; the tests add only `--offline`. */
export const DOCKERFILE_COMMANDS = {
  prune: ['node', 'deploy/docker/prune.ts'],
  installProd: ['pnpm', 'install', '--frozen-lockfile', '--prod'],
} as const;

// The store `npm test` filled when it installed the repository; nothing is downloaded.
const OFFLINE = '--offline';

/** The user a process runs as; unset: this process's own. */
export interface RunAs {
  uid?: number;
  gid?: number;
}

/** Runs a command, resolving with its output; rejects with that output when it fails. */
export function run(
  command: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  user: RunAs = {},
): Promise<string> {
  const [file, ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(file as string, args, {
      cwd,
      env,
      ...user,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else
        reject(new Error(`${command.join(' ')} failed (${code ?? signal}) in ${cwd}:\n${output}`));
    });
  });
}

/** What one image holds, as folders. */
export interface BuiltImage {
  target: ImageTarget;
  /** The final image's /app. */
  appRoot: string;
}

/**
 * Builds `target` the way deploy/Dockerfile does, into `workDir`: prune, then install
 * production dependencies and copy in the runtime sources (stage `deps`).
 */
export async function buildImage(
  target: ImageTarget,
  workDir: string,
  env: NodeJS.ProcessEnv,
): Promise<BuiltImage> {
  const pruned = join(workDir, 'pruned');
  const appRoot = join(workDir, 'app');
  const copy = (from: string, to: string) =>
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });

  // stage pruned: COPY . . then the prune script, from the repository itself
  await run([...DOCKERFILE_COMMANDS.prune, target, pruned], REPO_ROOT, env);

  // stage deps, which the final stages copy whole
  mkdirSync(appRoot, { recursive: true });
  copy(join(pruned, 'runtime', 'json'), appRoot);
  await run([...DOCKERFILE_COMMANDS.installProd, OFFLINE], appRoot, env);
  copy(join(pruned, 'runtime', 'full'), appRoot);

  return { target, appRoot };
}
