import type { Analysis, Enrichment, GroupDigest, Priority } from '@herald/contracts';
import { parseWazuhTimestamp, type WazuhAlert } from '@herald/wazuh';
import { bodyText, shortLine, TRUNCATION_MARKER } from './sanitize.ts';

/** Everything every channel renders from: one alert, what Herald learnt about it, and links. */
export interface MessageInput {
  /** Herald's id for the alert. */
  alertId: string;
  alert: WazuhAlert;
  enrichment: Enrichment;
  /** With `group` set, the message is a digest of the alerts folded into a group. */
  analysis: Analysis;
  /** Herald's public base URL; when set, the message links to the alert's API view. */
  publicUrl?: string | undefined;
}

/** One labelled list of tags, e.g. `PCI DSS: 10.2.4, 11.4`. */
export interface TagGroup {
  label: string;
  values: string[];
}

/** A digest of the alerts a group folded, in the words a reader needs. */
export interface GroupView {
  groupId: string;
  count: number;
  /** `42 alerts like this one between <first> and <last>`. */
  text: string;
  first: string;
  last: string;
  /** What the group's alerts share, as `field=value`. */
  labels: string[];
  agents: string[];
  /** 1 for the group's first digest. */
  sequence: number;
}

/**
 * What every channel shows, already cleaned and capped: every string here came through
 * `sanitize.ts`, but is still alert-derived and must be escaped for its target.
 */
export interface MessageView {
  priority: Priority;
  priorityLabel: string;
  score: number;
  reasons: string[];
  title: string;
  summary: string;
  whyItMatters: string;
  nextSteps: string[];
  /** Who wrote the explanation, in words. */
  explainedBy: string;
  explainedByKind: Analysis['explainedBy'];
  rule: { id: string; level: number; description: string };
  agent: string;
  asset?: string;
  time: string;
  location?: string;
  mitre: TagGroup[];
  compliance: TagGroup[];
  gaps: string[];
  logExcerpt?: string;
  alertId: string;
  alertUrl?: string;
  group?: GroupView;
}

// Limits in code points. Generous enough for any real alert, small enough that a
// hostile one cannot make a message that clients or relays reject.
const LIMITS = {
  title: 300,
  line: 500,
  paragraph: 4_000,
  logExcerpt: 4_000,
  tag: 80,
  listItems: 20,
};

const COMPLIANCE_LABELS: [key: keyof WazuhAlert['rule'], label: string][] = [
  ['pci_dss', 'PCI DSS'],
  ['gdpr', 'GDPR'],
  ['hipaa', 'HIPAA'],
  ['nist_800_53', 'NIST 800-53'],
  ['tsc', 'TSC'],
  ['gpg13', 'GPG13'],
];

/** How each enrichment source's absence changes what the reader sees. */
const MISSING_CONSEQUENCES: Record<string, string> = {
  'wazuh-api': 'Wazuh API unavailable: agent details are from the alert only',
  inventory: 'Asset inventory unavailable: criticality and owner are unknown',
};

/** Caps a list, saying how many items were left out. */
function capList(items: readonly string[], clean: (item: string) => string): string[] {
  const shown = items.slice(0, LIMITS.listItems).map(clean);
  const hidden = items.length - shown.length;
  return hidden > 0 ? [...shown, `${TRUNCATION_MARKER}: ${hidden} more`] : shown;
}

function tags(values: readonly string[] | undefined): string[] {
  return capList(values ?? [], (value) => shortLine(value, LIMITS.tag));
}

function describeOs(os: Enrichment['agent']['os']): string | undefined {
  const words = [os?.name, os?.version, os?.arch].filter(Boolean);
  return words.length > 0 ? words.join(' ') : undefined;
}

function describeAgent(alert: WazuhAlert, enrichment: Enrichment): string {
  const facts = enrichment.agent;
  const name = facts.name ?? alert.agent?.name;
  switch (enrichment.kind) {
    case 'manager':
      return `the Wazuh manager itself (${name ?? alert.manager?.name ?? 'name unknown'})`;
    case 'agentless':
      return `agentless host ${alert.agentless?.host ?? name ?? '(host unknown)'}`;
    case 'agent':
    case 'unknown': {
      const id = facts.id ?? alert.agent?.id;
      const ip = facts.ip ?? alert.agent?.ip;
      const details = [id && `id ${id}`, ip && `IP ${ip}`, describeOs(facts.os)].filter(Boolean);
      const label = name ?? 'unknown agent';
      return details.length > 0 ? `${label} (${details.join(', ')})` : label;
    }
    default: {
      const unhandled: never = enrichment.kind;
      return String(unhandled);
    }
  }
}

function describeAsset(enrichment: Enrichment): string | undefined {
  const asset = enrichment.asset;
  if (!asset) {
    return undefined;
  }

  const parts = [`criticality ${asset.criticality}`];
  if (asset.owner) {
    parts.push(`owner ${asset.owner}`);
  }
  if (asset.team) {
    parts.push(`team ${asset.team}`);
  }
  return parts.join(', ');
}

function utcTime(timestamp: string): string | undefined {
  const parsed = parseWazuhTimestamp(timestamp);
  return parsed && `${parsed.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function describeTime(timestamp: string): string {
  const utc = utcTime(timestamp);
  return utc === undefined ? timestamp : `${utc} (Wazuh: ${timestamp})`;
}

function describeGap(missing: Enrichment['missing'][number]): string {
  const consequence = MISSING_CONSEQUENCES[missing.source] ?? `${missing.source} unavailable`;
  return missing.reason ? `${consequence} (${missing.reason})` : consequence;
}

function mitreGroups(alert: WazuhAlert): TagGroup[] {
  const mitre = alert.rule.mitre;
  return [
    { label: 'Technique ids', values: tags(mitre?.id) },
    { label: 'Tactics', values: tags(mitre?.tactic) },
    { label: 'Techniques', values: tags(mitre?.technique) },
  ].filter((group) => group.values.length > 0);
}

function complianceGroups(alert: WazuhAlert): TagGroup[] {
  return COMPLIANCE_LABELS.map(([key, label]) => {
    const value = alert.rule[key];
    const list = Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : [];
    return { label, values: tags(list) };
  }).filter((group) => group.values.length > 0);
}

function alertUrl(publicUrl: string | undefined, alertId: string): string | undefined {
  if (publicUrl === undefined) {
    return undefined;
  }
  const base = new URL(publicUrl);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new RangeError(`publicUrl must be an http(s) URL, got ${JSON.stringify(publicUrl)}`);
  }
  const path = `${base.pathname.replace(/\/+$/, '')}/v1/alerts/${encodeURIComponent(alertId)}`;
  return new URL(path, base.origin).toString();
}

function describeGroup(group: GroupDigest | undefined): GroupView | undefined {
  if (group === undefined) {
    return undefined;
  }
  const first = shortLine(utcTime(group.firstAt) ?? group.firstAt, LIMITS.tag);
  const last = shortLine(utcTime(group.lastAt) ?? group.lastAt, LIMITS.tag);
  const noun = group.count === 1 ? 'alert' : 'alerts';
  const agents = tags(group.agents);
  // Agents are worth naming only when the group spans more than the alert's own.
  const where = agents.length > 1 ? ` on ${agents.join(', ')}` : '';
  const text = `${group.count} ${noun} like this one between ${first} and ${last}${where}`;
  return {
    groupId: shortLine(group.groupId, LIMITS.tag),
    count: group.count,
    text,
    first,
    last,
    labels: tags(Object.entries(group.labels).map(([key, value]) => `${key}=${value}`)),
    agents,
    sequence: group.sequence,
  };
}

/** Builds the cleaned, capped facts that every channel renders. */
export function buildMessageView(input: MessageInput): MessageView {
  const { alert, analysis, enrichment } = input;
  const line = (value: string): string => shortLine(value, LIMITS.line);
  const paragraph = (value: string): string => bodyText(value, LIMITS.paragraph);

  return {
    priority: analysis.priority,
    priorityLabel: analysis.priority.toUpperCase(),
    score: Math.round(analysis.score),
    reasons: capList(analysis.reasons, line),
    title: shortLine(analysis.title, LIMITS.title),
    summary: paragraph(analysis.summary),
    whyItMatters: paragraph(analysis.whyItMatters),
    nextSteps: capList(analysis.nextSteps, paragraph),
    explainedBy:
      analysis.explainedBy === 'llm'
        ? 'a language model (check it against the alert details below)'
        : "Herald's built-in rules",
    explainedByKind: analysis.explainedBy,
    rule: {
      id: shortLine(alert.rule.id, 64),
      level: alert.rule.level,
      description: line(alert.rule.description),
    },
    agent: line(describeAgent(alert, enrichment)),
    asset: mapDefined(describeAsset(enrichment), line),
    time: line(describeTime(alert.timestamp)),
    location: mapDefined(alert.location, line),
    mitre: mitreGroups(alert),
    compliance: complianceGroups(alert),
    gaps: capList(enrichment.missing.map(describeGap), line),
    logExcerpt: mapDefined(alert.full_log, (log) => bodyText(log.trimEnd(), LIMITS.logExcerpt)),
    alertId: shortLine(input.alertId, 200),
    alertUrl: alertUrl(input.publicUrl, input.alertId),
    group: describeGroup(analysis.group),
  };
}

function mapDefined<T>(value: string | undefined, map: (value: string) => T): T | undefined {
  return value === undefined || value === '' ? undefined : map(value);
}
