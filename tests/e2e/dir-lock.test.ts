import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@herald/testkit';

// scripts/dir-lock.mjs is what keeps two `npm test` runs from installing at once; it only
// matters across processes, so each holder here is its own Node process.
const run = promisify(execFile);
const lockModule = join(REPO_ROOT, 'scripts', 'dir-lock.mjs');

/** Runs `body` in a new Node process with `withDirLock`, `lockDir` and `trace` in scope. */
function holder(lockDir: string, trace: string, body: string) {
  const source = [
    `import { withDirLock } from ${JSON.stringify(lockModule)};`,
    `import { appendFileSync } from 'node:fs';`,
    `const lockDir = ${JSON.stringify(lockDir)};`,
    `const trace = (line) => appendFileSync(${JSON.stringify(trace)}, line + '\\n');`,
    `const hold = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);`,
    body,
  ].join('\n');
  return run(process.execPath, ['--input-type=module', '-e', source], { timeout: 20_000 });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function workDir(): { lockDir: string; trace: string } {
  const dir = mkdtempSync(join(tmpdir(), 'herald-dir-lock-'));
  dirs.push(dir);
  return { lockDir: join(dir, 'install.lock'), trace: join(dir, 'trace') };
}

describe('withDirLock', () => {
  it('lets one process at a time hold the lock', async () => {
    const { lockDir, trace } = workDir();
    const body = `withDirLock(lockDir, () => { trace('in ' + process.pid); hold(150); trace('out ' + process.pid); }, { pollMs: 20 });`;
    await Promise.all([1, 2, 3, 4].map(() => holder(lockDir, trace, body)));

    const lines = readFileSync(trace, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(8);
    for (let i = 0; i < lines.length; i += 2) {
      const pid = lines[i]!.split(' ')[1];
      expect([lines[i], lines[i + 1]]).toEqual([`in ${pid}`, `out ${pid}`]);
    }
    expect(existsSync(lockDir)).toBe(false);
  });

  it('takes over the lock of a process that died holding it', async () => {
    const { lockDir, trace } = workDir();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    mkdirSync(lockDir);
    writeFileSync(join(lockDir, 'pid'), String(dead));

    const { stdout } = await holder(
      lockDir,
      trace,
      `withDirLock(lockDir, () => trace('held'), { log: (m) => console.log(m), pollMs: 20 });`,
    );
    expect(readFileSync(trace, 'utf8')).toBe('held\n');
    expect(stdout).toContain('removing the lock of a process that is gone');
  });

  it('waits for a live holder, and the lock is released when the holder exits mid-step', async () => {
    const { lockDir, trace } = workDir();
    const first = holder(
      lockDir,
      trace,
      `withDirLock(lockDir, () => { trace('first'); hold(300); process.exit(3); });`,
    );
    while (!existsSync(join(lockDir, 'pid'))) await new Promise((r) => setTimeout(r, 10));
    const second = holder(
      lockDir,
      trace,
      `withDirLock(lockDir, () => trace('second'), { pollMs: 20 });`,
    );

    await expect(first).rejects.toMatchObject({ code: 3 });
    await second;
    expect(readFileSync(trace, 'utf8')).toBe('first\nsecond\n');
    expect(existsSync(lockDir)).toBe(false);
  });
});
