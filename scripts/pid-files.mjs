// Pid files for the processes `npm start` runs detached (Redis, the services): they outlive
// a start script that is killed outright (kill -9, the OOM killer) and keep their ports, so
// the next start reads these files and stops them first. A pid file alone is not trusted:
// the process must also still have the command line we started, since pids are reused.
// Linux /proc only; elsewhere no process is found. Standard library only (see toolchain.mjs).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The command line of live process `pid`, NULs as spaces; '' when gone or a zombie. */
export function commandLine(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return '';
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** Pid files of one data folder's run: `<runDir>/<name>.pid`. */
export function pidFiles(runDir) {
  const file = (name) => join(runDir, `${name}.pid`);
  return {
    record(name, pid) {
      mkdirSync(runDir, { recursive: true });
      writeFileSync(file(name), `${pid}\n`);
    },
    forget(name) {
      rmSync(file(name), { force: true });
    },
    /** The recorded pid of `name` if that process runs and `matches` its command line. */
    running(name, matches) {
      let pid;
      try {
        pid = Number(readFileSync(file(name), 'utf8').trim());
      } catch {
        return undefined;
      }
      if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
      return matches(commandLine(pid)) ? pid : undefined;
    },
  };
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * Stops what an earlier run left running. `groups` are stopped one after the other, the
 * entries of a group together: each `{ name, matches, graceMs }` whose pid file names a
 * live process with a matching command line gets SIGTERM, and SIGKILL after graceMs. Every
 * pid file named is removed. Resolves to the names that were stopped.
 */
export async function stopLeftovers(files, groups, { pollMs = 100, killWaitMs = 5_000 } = {}) {
  const stopped = [];
  for (const group of groups) {
    await Promise.all(
      group.map(async ({ name, matches, graceMs }) => {
        const pid = files.running(name, matches);
        if (pid !== undefined) {
          const alive = () => matches(commandLine(pid));
          signal(pid, 'SIGTERM');
          const termDeadline = Date.now() + graceMs;
          while (alive() && Date.now() < termDeadline) await sleep(pollMs);
          if (alive()) {
            signal(pid, 'SIGKILL');
            const killDeadline = Date.now() + killWaitMs;
            while (alive() && Date.now() < killDeadline) await sleep(pollMs);
            if (alive())
              throw new Error(`${name} (pid ${pid}) left by an earlier run does not stop`);
          }
          stopped.push(name);
        }
        files.forget(name);
      }),
    );
  }
  return stopped;
}
