import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@herald/testkit';

// scripts/pid-files.mjs is how `npm start` stops what a run killed with SIGKILL left
// running. It is driven from a separate Node process, as start.mjs is one.
const run = promisify(execFile);
const pidFilesModule = join(REPO_ROOT, 'scripts', 'pid-files.mjs');
const started: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/**
 * A long-running process whose command line carries `marker`; `body` runs in it first.
 * Resolves once it runs (it says so), so `body` is in effect before any signal.
 */
async function leftover(marker: string, body = ''): Promise<{ child: ChildProcess; pid: number }> {
  const script = `${body}; console.log('ready'); setInterval(() => {}, 1000)`;
  const child = spawn(process.execPath, ['-e', script, marker]);
  started.push(child);
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return { child, pid: child.pid! };
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.signalCode);
  }
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

/** Records `pid` as `name` and runs stopLeftovers for a command line containing `marker`. */
async function stopLeftovers(pid: number, marker: string, graceMs = 5_000) {
  const dir = mkdtempSync(join(tmpdir(), 'herald-pid-files-'));
  dirs.push(dir);
  const runDir = join(dir, 'run');
  const source = `
    import { pidFiles, stopLeftovers } from ${JSON.stringify(pidFilesModule)};
    const files = pidFiles(${JSON.stringify(runDir)});
    files.record('svc', ${pid});
    const matches = (cmdline) => cmdline.includes(${JSON.stringify(marker)});
    const stopped = await stopLeftovers(files, [[{ name: 'svc', matches, graceMs: ${graceMs} }]], { pollMs: 20 });
    console.log(JSON.stringify(stopped));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', source], {
    timeout: 20_000,
  });
  return {
    stopped: JSON.parse(stdout) as string[],
    pidFileLeft: existsSync(join(runDir, 'svc.pid')),
  };
}

describe('stopLeftovers', () => {
  it('stops a recorded process that still has the command line we started', async () => {
    const { child, pid } = await leftover('herald-marker-term');
    const result = await stopLeftovers(pid, 'herald-marker-term');

    expect(result).toEqual({ stopped: ['svc'], pidFileLeft: false });
    expect(await exited(child)).toBe('SIGTERM');
  });

  it('leaves alone a process that reused the pid (another command line)', async () => {
    const { child, pid } = await leftover('someone-elses-program');
    const result = await stopLeftovers(pid, 'apps/enricher/src/main.ts');

    expect(result).toEqual({ stopped: [], pidFileLeft: false });
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
  });

  it('kills a process that ignores SIGTERM once its grace has passed', async () => {
    const { child, pid } = await leftover(
      'herald-marker-stubborn',
      "process.on('SIGTERM', () => {})",
    );
    const result = await stopLeftovers(pid, 'herald-marker-stubborn', 200);

    expect(result.stopped).toEqual(['svc']);
    expect(await exited(child)).toBe('SIGKILL');
  });
});
