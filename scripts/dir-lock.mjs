// A cross-process lock from an exclusive mkdir, for the toolchain steps that two `npm test`
// or `npm start` runs must not do at the same time (pnpm install, Prisma generate).
// Standard library only (see toolchain.mjs for why), and synchronous like its callers.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DEFAULTS = {
  // A lock whose owner never wrote its pid (killed between mkdir and write) is stale after this.
  ownerlessStaleMs: 60_000, // 1 min
  // Breaking a lock takes milliseconds; a breaker lock this old belongs to a killed process.
  breakerStaleMs: 10_000, // 10 s
  // A live owner is waited for this long at most: a first pnpm install takes minutes, not this.
  waitMs: 30 * 60_000, // 30 min
  pollMs: 250,
};

const held = new Set();

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function ageMs(path) {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** The pid holding the lock; 0 while not known yet; undefined when the lock is stale. */
function lockOwner(lockDir, options) {
  let pid;
  try {
    pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
  } catch {
    return ageMs(lockDir) > options.ownerlessStaleMs ? undefined : 0;
  }
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/**
 * Removes a stale lock, holding a second "breaker" lock meanwhile: without it two waiters
 * could both find the lock stale, and the second would remove the one the first just took.
 */
function breakStaleLock(lockDir, options) {
  const breakerDir = `${lockDir}.break`;
  try {
    mkdirSync(breakerDir);
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
    if (ageMs(breakerDir) > options.breakerStaleMs)
      rmSync(breakerDir, { recursive: true, force: true });
    return;
  }
  try {
    if (existsSync(lockDir) && lockOwner(lockDir, options) === undefined) {
      options.log(`removing the lock of a process that is gone (${lockDir})`);
      rmSync(lockDir, { recursive: true, force: true });
    }
  } finally {
    rmSync(breakerDir, { recursive: true, force: true });
  }
}

/**
 * Runs `step` while holding the lock folder `lockDir` (its parent must exist) and returns
 * what it returns. Waits while a live process holds it; takes over the lock of a process
 * that died. Reentrant within a process. Throws when a live owner holds it past `waitMs`.
 */
export function withDirLock(lockDir, step, overrides = {}) {
  const options = { ...DEFAULTS, log: () => {}, ...overrides };
  if (held.has(lockDir)) return step();
  const deadline = Date.now() + options.waitMs;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const owner = lockOwner(lockDir, options);
    if (owner === undefined) {
      breakStaleLock(lockDir, options);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${lockDir} is still held by pid ${owner}; if it is not running, remove that folder`,
      );
    }
    if (!announced && owner > 0) {
      options.log(`waiting for pid ${owner}, which holds ${lockDir}`);
      announced = true;
    }
    sleepSync(options.pollMs);
  }
  const release = () => rmSync(lockDir, { recursive: true, force: true });
  // process.exit() inside `step` skips the finally below; the lock must not outlive us.
  process.once('exit', release);
  held.add(lockDir);
  try {
    return step();
  } finally {
    held.delete(lockDir);
    process.off('exit', release);
    release();
  }
}
