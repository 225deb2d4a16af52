import type { Priority, RenderedPagerDuty } from '@herald/contracts';
import { parseWazuhTimestamp } from '@herald/wazuh';
import { codePoints, cutText, jsonBytes } from '../message/limits.ts';
import { oneLine, shortLine } from '../message/sanitize.ts';
import { buildMessageView, type MessageInput, type MessageView } from '../message/view.ts';
import { renderPart, type TemplateSet } from '../templates/set.ts';

/** PagerDuty Events API v2 limits. */
export const PAGERDUTY_LIMITS = {
  summaryChars: 1_024,
  dedupKeyChars: 255,
  /** The whole event; PagerDuty rejects larger ones. */
  eventBytes: 512 * 1_024,
  sourceChars: 255,
} as const;

/** Herald's priority as a PagerDuty severity (critical, error, warning, info). */
export const PAGERDUTY_SEVERITY: Record<Priority, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

/**
 * The dedup key: the same for every event about one alert, and for every digest of one
 * group, so a retried send or the group's next digest updates the incident PagerDuty
 * already has instead of opening another.
 */
export function pagerDutyDedupKey(input: MessageInput): string {
  const key = input.analysis.group
    ? `herald/group/${input.analysis.group.groupId}`
    : `herald/alert/${input.alertId}`;
  return [...oneLine(key)].slice(0, PAGERDUTY_LIMITS.dedupKeyChars).join('');
}

function source(input: MessageInput): string {
  const { alert, enrichment } = input;
  const name =
    enrichment.agent.name ??
    alert.agent?.name ??
    alert.agentless?.host ??
    alert.manager?.name ??
    'wazuh';
  return shortLine(name, PAGERDUTY_LIMITS.sourceChars - 20) || 'wazuh';
}

function details(view: MessageView): Record<string, unknown> {
  const tags = (groups: MessageView['mitre']) =>
    Object.fromEntries(groups.map((group) => [group.label, group.values]));
  const entries: [string, unknown][] = [
    ['priority', `${view.priorityLabel} (score ${view.score}/100)`],
    ['digest', view.group?.text],
    ['what happened', view.summary],
    ['why it matters', view.whyItMatters],
    ['next steps', view.nextSteps],
    ['why this priority', view.reasons],
    ['rule', `${view.rule.id} (level ${view.rule.level}): ${view.rule.description}`],
    ['agent', view.agent],
    ['asset', view.asset],
    ['time', view.time],
    ['location', view.location],
    ['mitre', view.mitre.length > 0 ? tags(view.mitre) : undefined],
    ['compliance', view.compliance.length > 0 ? tags(view.compliance) : undefined],
    ['missing information', view.gaps.length > 0 ? view.gaps : undefined],
    ['explanation written by', view.explainedBy],
    ['herald alert id', view.alertId],
    ['log excerpt', view.logExcerpt],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

/**
 * Renders one alert as a PagerDuty Events API v2 `trigger` event, without `routing_key`
 * (the sender adds it). Herald never sends `resolve`: a Wazuh alert reports that something
 * happened, and nothing later reports that it stopped, so Herald cannot know an incident
 * is over; people resolve it in PagerDuty.
 *
 * `view` is `input`'s, built by the caller when it renders the alert for several receivers.
 */
export function renderPagerDuty(
  input: MessageInput,
  templates: TemplateSet,
  view: MessageView = buildMessageView(input),
): RenderedPagerDuty {
  const fallback = `[${view.priorityLabel}] ${view.title} (rule ${view.rule.id}, level ${view.rule.level})`;
  const summaryText = oneLine(renderPart(templates, 'summary', view) ?? fallback) || fallback;
  const summary =
    codePoints(summaryText) > PAGERDUTY_LIMITS.summaryChars
      ? `${[...summaryText].slice(0, PAGERDUTY_LIMITS.summaryChars - 1).join('')}…`
      : summaryText;
  const timestamp = parseWazuhTimestamp(input.alert.timestamp);
  const groups = input.alert.rule.groups ?? [];

  const event = {
    event_action: 'trigger' as const,
    dedup_key: pagerDutyDedupKey(input),
    payload: {
      summary,
      source: source(input),
      severity: PAGERDUTY_SEVERITY[view.priority],
      ...(timestamp ? { timestamp: timestamp.toISOString() } : {}),
      component: shortLine(`wazuh rule ${input.alert.rule.id}`, 100),
      ...(groups[0] ? { group: shortLine(groups[0], 100) } : {}),
      class: input.analysis.family,
      custom_details: details(view),
    },
    client: 'Herald',
    ...(view.alertUrl
      ? { client_url: view.alertUrl, links: [{ href: view.alertUrl, text: 'Alert in Herald' }] }
      : {}),
  };
  // Every field is capped, so only a pathological alert gets here: shed the log first.
  if (jsonBytes(event) > PAGERDUTY_LIMITS.eventBytes && view.logExcerpt !== undefined) {
    event.payload.custom_details['log excerpt'] = cutText(
      view.logExcerpt,
      1_000,
      'PagerDuty takes 512 KB an event',
    );
  }
  return { channel: 'pagerduty', payload: event };
}
