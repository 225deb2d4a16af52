// Runs the load generator (load-worker.mjs) as a child process and returns its summary.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./load-worker.mjs', import.meta.url));

/**
 * plan: { url, apiKey, mode: 'max' | 'rate', rate?, durationS, batch, concurrency,
 * maxAlerts, runTag }. Resolves with the worker's summary plus `pid`; `onStart` gets the
 * child's pid as soon as it exists (to sample its CPU).
 */
export function runLoad(plan, { onStart } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, JSON.stringify(plan)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    onStart?.(child.pid);
    let summary;
    // Bound: the worker stops itself at the duration; this is only for a wedged one.
    const guard = setTimeout(() => child.kill('SIGKILL'), (plan.durationS + 120) * 1000);
    child.on('message', (message) => (summary = message));
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (summary) resolve({ ...summary, pid: child.pid });
      else reject(new Error(`load generator exited (${code ?? signal}) without a summary`));
    });
  });
}
