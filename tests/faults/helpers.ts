// Small helpers of our own: @herald/testkit's entry imports vitest, which the CLI form
// (plain Node, no vitest runner) cannot load.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The corpus alerts, parsed. */
export function loadCorpusAlerts(): Record<string, unknown>[] {
  return readFileSync(`${REPO_ROOT}corpus/wazuh-alerts.ndjson`, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Polls `check` until it returns true, or throws after `timeoutMs` naming `what`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean | undefined>,
  { timeoutMs, intervalMs }: { timeoutMs: number; intervalMs: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
