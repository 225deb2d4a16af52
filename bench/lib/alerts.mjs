// Distinct alerts derived from the real corpus: each keeps the shape of a published Wazuh
// alert and gets its own id, agent, rule id and size, so ingest stores every one (no
// duplicates) and the stages see the variety of a real manager. Built by filling string
// templates, so the load generator spends its CPU on sending, not on JSON.stringify.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/toolchain.mjs';

const TOKENS = ['__ID__', '__AGENT_ID__', '__AGENT_NAME__', '__RULE_ID__', '__TS__', '__PAD__'];
const TOKEN_PATTERN = new RegExp(`(${TOKENS.join('|')})`);

/** The corpus alerts as parsed objects. */
export function loadCorpus() {
  return readFileSync(join(repoRoot, 'corpus/wazuh-alerts.ndjson'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

function template(alert) {
  const copy = structuredClone(alert);
  copy.id = '__ID__';
  copy.timestamp = '__TS__';
  copy.agent = { ...copy.agent, id: '__AGENT_ID__', name: '__AGENT_NAME__' };
  copy.rule = { ...copy.rule, id: '__RULE_ID__' };
  copy.full_log = `${copy.full_log ?? ''}__PAD__`;
  return JSON.stringify(copy).split(TOKEN_PATTERN);
}

// Filler words for the size variation: printable, JSON-safe, no escapes needed.
const FILLER =
  ' lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor'.repeat(40);

/**
 * A generator of distinct alerts. `runTag` keeps ids of separate runs apart; alert `seq`
 * always renders the same text, so a run is reproducible.
 */
export function createAlertSource(runTag, { agents = 500 } = {}) {
  const corpus = loadCorpus();
  const templates = corpus.map(template);
  const ruleIds = corpus.map((alert) => String(alert.rule.id));
  const timestamp = new Date().toISOString().replace('Z', '+0000');
  return {
    /** The JSON text of alert number `seq`. */
    render(seq) {
      const parts = templates[seq % templates.length];
      const agent = String((seq * 7919) % agents).padStart(3, '0');
      // Extra log text from 0 to ~2 KB, spread by a multiplicative hash of seq.
      const pad = FILLER.slice(0, ((seq * 2654435761) >>> 0) % 2048);
      const values = {
        __ID__: `${runTag}.${seq}`,
        __AGENT_ID__: agent,
        __AGENT_NAME__: `bench-host-${agent}`,
        __RULE_ID__: ruleIds[(seq * 7) % ruleIds.length],
        __TS__: timestamp,
        __PAD__: pad,
      };
      let text = '';
      for (const part of parts) text += values[part] ?? part;
      return text;
    },
  };
}
