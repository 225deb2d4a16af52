import type { Analysis } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';
import { capText, headerValue, oneLine } from '../message/sanitize.ts';

/** Longest subject Herald writes, in code points; most clients show far less. */
export const SUBJECT_MAX_CHARS = 160;

/** The rule id is alert data too: bounded so it cannot crowd out the title. */
const RULE_ID_MAX_CHARS = 24;

/**
 * `[Herald HIGH] <title> (rule 5712, level 10)`, or `[Herald HIGH, 42 alerts] ...` for a
 * group's digest: one line whatever the alert says. The
 * title is cut (with `…`) so that the priority, rule and level always fit.
 */
export function buildSubject(alert: WazuhAlert, analysis: Analysis): string {
  const ruleId = capText(oneLine(alert.rule.id), RULE_ID_MAX_CHARS, '…');
  const digest = analysis.group ? `, ${analysis.group.count} alerts` : '';
  const prefix = `[Herald ${analysis.priority.toUpperCase()}${digest}] `;
  const suffix = ` (rule ${ruleId}, level ${alert.rule.level})`;
  const title = oneLine(analysis.title) || oneLine(alert.rule.description) || 'Wazuh alert';
  const budget = SUBJECT_MAX_CHARS - prefix.length - suffix.length - 1;
  return `${prefix}${capText(title, budget, '…')}${suffix}`;
}

/** X-Herald-* headers, so mail rules can sort and trace messages without parsing bodies. */
export function buildHeaders(
  alertId: string,
  alert: WazuhAlert,
  analysis: Analysis,
): Record<string, string> {
  return {
    'X-Herald-Alert-Id': headerValue(alertId),
    'X-Herald-Rule-Id': headerValue(alert.rule.id),
    'X-Herald-Rule-Level': headerValue(String(alert.rule.level)),
    'X-Herald-Priority': headerValue(analysis.priority),
  };
}
