import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repo's copy of the real Wazuh sample alerts (corpus/SOURCES.md says where from). */
export const CORPUS_PATH = fileURLToPath(
  new URL('../../../corpus/wazuh-alerts.ndjson', import.meta.url),
);

/** Each corpus line, parsed, with its 1-based line number. */
export function loadCorpus(): { line: number; alert: Record<string, unknown>; raw: string }[] {
  return readFileSync(CORPUS_PATH, 'utf8')
    .split('\n')
    .map((raw, index) => ({ raw, line: index + 1 }))
    .filter(({ raw }) => raw.trim() !== '')
    .map(({ raw, line }) => ({ raw, line, alert: JSON.parse(raw) as Record<string, unknown> }));
}
