/**
 * Delay before the next attempt after `failures` consecutive failures (1-based):
 * exponential from `minMs`, capped at `maxMs`, with "equal jitter" (between half and all
 * of it). The floor of half the delay is what keeps a loop that fails at once (NOGROUP
 * ignores BLOCK, R-35) from spinning; the jitter keeps replicas from retrying in step.
 */
export function backoffDelayMs(
  failures: number,
  { minMs, maxMs }: { minMs: number; maxMs: number },
  random: () => number,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(maxMs, minMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
