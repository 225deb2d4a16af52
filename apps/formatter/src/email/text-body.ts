import type { MessageView, TagGroup } from '../message/view.ts';

function section(heading: string, body: string): string {
  return `${heading}\n${'-'.repeat(heading.length)}\n${body}`;
}

function bullets(items: readonly string[]): string {
  return items.map((item) => `- ${item.replaceAll('\n', '\n  ')}`).join('\n');
}

function numbered(items: readonly string[]): string {
  return items.map((item, index) => `${index + 1}. ${item.replaceAll('\n', '\n   ')}`).join('\n');
}

function tagLines(groups: readonly TagGroup[]): string {
  return groups.map((group) => `${group.label}: ${group.values.join(', ')}`).join('\n');
}

/** The plain-text body: the same facts as the HTML body, readable in any client. */
export function renderTextBody(view: MessageView): string {
  const details = [
    `Rule:        ${view.rule.id} (level ${view.rule.level}): ${view.rule.description}`,
    `Agent:       ${view.agent}`,
    view.asset && `Asset:       ${view.asset}`,
    `Time:        ${view.time}`,
    view.location && `Location:    ${view.location}`,
    `Explanation: written by ${view.explainedBy}`,
  ].filter(Boolean);

  const parts = [
    `${view.priorityLabel} priority (score ${view.score}/100): ${view.title}`,
    view.group && section('Repeats', view.group.text),
    section('What happened', view.summary),
    section('Why it matters', view.whyItMatters),
    view.nextSteps.length > 0 && section('What to do next', numbered(view.nextSteps)),
    view.reasons.length > 0 && section(`Why ${view.priorityLabel} priority`, bullets(view.reasons)),
    section('Details', details.join('\n')),
    view.mitre.length > 0 && section('MITRE ATT&CK', tagLines(view.mitre)),
    view.compliance.length > 0 && section('Compliance', tagLines(view.compliance)),
    view.gaps.length > 0 && section('Missing information', bullets(view.gaps)),
    view.logExcerpt !== undefined && section('Log excerpt', view.logExcerpt),
    [`Herald alert id: ${view.alertId}`, view.alertUrl && `Alert details: ${view.alertUrl}`]
      .filter(Boolean)
      .join('\n'),
  ];
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}
