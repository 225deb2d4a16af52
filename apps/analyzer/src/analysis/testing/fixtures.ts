import type { AssetFacts, Enrichment } from '@herald/contracts';
import { loadCorpus } from '@herald/testkit';
import { validateAlert, type WazuhAlert } from '@herald/wazuh';

/**
 * The enrichment the enricher gives when it has only the alert: kind from the agent id
 * (000 is the manager, no agent is agentless), the agent's own fields, source `alert`.
 */
export function enrichmentFromAlert(alert: WazuhAlert, asset?: AssetFacts): Enrichment {
  const agent = alert.agent;
  const kind = !agent ? 'agentless' : agent.id === '000' ? 'manager' : 'agent';
  return {
    kind,
    agent: {
      ...(agent?.id !== undefined && { id: agent.id }),
      ...(agent?.name !== undefined && { name: agent.name }),
      ...(agent?.ip !== undefined && { ip: agent.ip }),
    },
    ...(asset && { asset }),
    sources: ['alert'],
    missing: [],
  };
}

/** Parses a value as a Wazuh alert, failing the test on a shape problem. */
export function toAlert(value: unknown): WazuhAlert {
  const result = validateAlert(value);
  if (!result.ok) {
    throw new Error(`not a valid alert: ${JSON.stringify(result.errors)}`);
  }
  return result.alert;
}

/** Every corpus alert, validated as the ingest API would, with its line number. */
export function corpusAlerts(): { line: number; alert: WazuhAlert }[] {
  return loadCorpus().map(({ line, alert }) => ({ line, alert: toAlert(alert) }));
}

/** The corpus alert on a line (1-based), as a fresh object the test may change. */
export function corpusAlert(line: number): WazuhAlert {
  const found = loadCorpus().find((entry) => entry.line === line);
  if (!found) {
    throw new Error(`no corpus line ${line}`);
  }
  return toAlert(structuredClone(found.alert));
}

/** A minimal alert: rule level, id and description, plus whatever the test adds. */
export function makeAlert(
  rule: { level: number; id: string; description?: string; [key: string]: unknown },
  extra: Record<string, unknown> = {},
): WazuhAlert {
  return toAlert({
    timestamp: '2024-01-01T10:00:00.000+0000',
    rule: { description: 'Test rule', ...rule },
    agent: { id: '001', name: 'web-01', ip: '10.0.0.5' },
    ...extra,
  });
}
