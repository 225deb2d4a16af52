// Test helper (imported only by *.test.ts): corpus alerts plus the smallest enrichment and
// a plausible analysis, shaped like what the enricher and analyzer store.
import type { Analysis, Enrichment, Priority } from '@herald/contracts';
import { loadCorpus } from '@herald/testkit';
import { validateAlert, type WazuhAlert } from '@herald/wazuh';
import type { EmailInput } from './email/render.ts';

/** Every corpus alert, validated the way ingest validates it. */
export function corpusAlerts(): { line: number; alert: WazuhAlert }[] {
  return loadCorpus().map(({ line, alert }) => {
    const result = validateAlert(alert);
    if (!result.ok) {
      throw new Error(`corpus line ${line} is not a valid alert: ${JSON.stringify(result.errors)}`);
    }
    return { line, alert: result.alert };
  });
}

/** What the enricher knows when only the alert is available. */
export function minimalEnrichment(alert: WazuhAlert): Enrichment {
  const kind = alert.agentless
    ? 'agentless'
    : alert.agent?.id === '000'
      ? 'manager'
      : alert.agent
        ? 'agent'
        : 'unknown';
  return {
    kind,
    agent: { id: alert.agent?.id, name: alert.agent?.name, ip: alert.agent?.ip },
    sources: ['alert'],
    missing: [{ source: 'wazuh-api', reason: 'connection refused' }],
  };
}

function priorityFor(level: number): Priority {
  const bands: [minLevel: number, priority: Priority][] = [
    [13, 'critical'],
    [10, 'high'],
    [7, 'medium'],
    [4, 'low'],
  ];
  return bands.find(([minLevel]) => level >= minLevel)?.[1] ?? 'info';
}

/** An analysis like the deterministic analyzer's, derived from the alert. */
export function plausibleAnalysis(alert: WazuhAlert): Analysis {
  const where = alert.agent?.name ?? alert.agentless?.host ?? 'an unknown host';
  return {
    family: 'other',
    score: Math.min(100, alert.rule.level * 6),
    priority: priorityFor(alert.rule.level),
    reasons: [`rule level ${alert.rule.level}`, 'asset criticality unknown'],
    title: `${alert.rule.description} on ${where}`,
    summary: `Wazuh reported "${alert.rule.description}" on ${where}.`,
    whyItMatters: 'Left alone, this could let an attacker keep access to the machine.',
    nextSteps: ['Check whether the activity was expected.', 'Look at the log lines around it.'],
    explainedBy: 'rules',
    receivers: ['ops-email'],
  };
}

/** A complete renderEmail input for `alert`. */
export function emailInputFor(alert: WazuhAlert, alertId = 'a1b2c3'): EmailInput {
  return {
    alertId,
    alert,
    enrichment: minimalEnrichment(alert),
    analysis: plausibleAnalysis(alert),
    from: 'herald@example.com',
    to: ['soc@example.com'],
  };
}

/** A fixed Herald id per corpus line, so golden files do not change between runs. */
export function fixedAlertId(line: number): string {
  return `00000000-0000-4000-8000-${String(line).padStart(12, '0')}`;
}

/** A digest of a group of `count` alerts like `alert`, as the analyzer stores it. */
export function digestAnalysis(alert: WazuhAlert, count: number): Analysis {
  return {
    ...plausibleAnalysis(alert),
    group: {
      kind: 'digest',
      groupId: 'grp-5712-web-01',
      receiver: 'ops-email',
      labels: { 'rule.id': alert.rule.id, 'agent.name': alert.agent?.name ?? 'unknown' },
      sequence: 2,
      count,
      firstAt: '2024-03-01T09:00:00.000Z',
      lastAt: '2024-03-01T10:00:00.000Z',
      agents: [alert.agent?.name ?? 'unknown'],
      alertIds: ['a1', 'a2'],
    },
  };
}
