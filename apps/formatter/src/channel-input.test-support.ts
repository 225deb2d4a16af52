// Test helper: one corpus alert as a render input, and template folders written on the fly.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Analysis } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';
import type { MessageInput } from './message/view.ts';
import {
  corpusAlerts,
  fixedAlertId,
  minimalEnrichment,
  plausibleAnalysis,
} from './test-fixtures.ts';

/** The first corpus alert (sshd brute force on the manager), changed as asked. */
export function inputWith(
  change: { alert?: Partial<WazuhAlert>; analysis?: Partial<Analysis> } = {},
): MessageInput {
  const alert = { ...corpusAlerts()[0]!.alert, ...change.alert };
  return {
    alertId: fixedAlertId(1),
    alert,
    enrichment: minimalEnrichment(alert),
    analysis: { ...plausibleAnalysis(alert), ...change.analysis },
    publicUrl: 'https://herald.example.com',
  };
}

/** A folder holding the given template files. */
export function templateFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-channel-'));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
