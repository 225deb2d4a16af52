import type { Enrichment } from '@herald/contracts';
import { parseWazuhTimestamp, type WazuhAlert } from '@herald/wazuh';
import { firstStr } from '../fields.ts';
import type { Signals } from '../signals.ts';
import { clip, listWords, quote, quoteStatement, token } from '../text.ts';

/** The machine an alert is about, worded for titles and summaries. */
export interface HostView {
  /** A short name for titles: the agent name, or a stand-in. */
  name: string;
  /** The name with what else is known: `web-01 (10.0.2.15, "Ubuntu 22.04")`. */
  described: string;
  /** The alert is about the Wazuh manager itself (agent 000). */
  isManager: boolean;
}

/** Everything an explainer reads. */
export interface ExplainContext {
  alert: WazuhAlert;
  enrichment: Enrichment;
  signals: Signals;
  host: HostView;
}

/** Title, summary, why it matters and next steps, as the analysis carries them. */
export interface Explanation {
  title: string;
  summary: string;
  whyItMatters: string;
  nextSteps: string[];
}

/** Builds the host view from the enrichment, falling back on the alert. */
export function describeHost(alert: WazuhAlert, enrichment: Enrichment): HostView {
  const rawName = firstStr(
    enrichment.agent.name,
    alert.agent?.name,
    alert.agentless?.host,
    enrichment.kind === 'manager' ? alert.manager?.name : undefined,
  );
  const name = rawName ? token(rawName) : 'an unnamed machine';
  const ip = firstStr(enrichment.agent.ip, alert.agent?.ip);
  const os = enrichment.agent.os;
  const osText = os ? firstStr([os.name, os.version].filter(Boolean).join(' ')) : undefined;
  // The OS is what the agent reports about itself: free text, so quoted like alert data.
  const details = [ip ? token(ip, 45) : undefined, osText ? quote(osText, 60) : undefined].filter(
    (item): item is string => item !== undefined,
  );
  const isManager = enrichment.kind === 'manager';
  const withDetails = details.length > 0 ? `${name} (${details.join(', ')})` : name;
  return {
    name,
    described: isManager ? `the Wazuh manager ${withDetails}` : withDetails,
    isManager,
  };
}

/** When the alert was raised, to the minute in UTC, or undefined if unreadable. */
export function alertTime(alert: WazuhAlert): string | undefined {
  const date = parseWazuhTimestamp(alert.timestamp);
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : undefined;
}

/** "around 2022-05-11 12:29 UTC", or an empty string when the time is unknown. */
export function aroundTime(alert: WazuhAlert): string {
  const time = alertTime(alert);
  return time ? ` around ${time}` : '';
}

/** The owner and team from the inventory: "alice (team payments)". */
export function ownerText(enrichment: Enrichment): string | undefined {
  const owner = enrichment.asset?.owner ? token(enrichment.asset.owner) : undefined;
  const team = enrichment.asset?.team ? token(enrichment.asset.team) : undefined;
  if (owner && team) {
    return `${owner} (team ${team})`;
  }
  return owner ?? (team ? `team ${team}` : undefined);
}

/** A next step that asks whoever answers for the host a question. */
export function askOwner(ctx: ExplainContext, question: string): string {
  const owner = ownerText(ctx.enrichment);
  return owner
    ? `Ask ${owner}, who owns ${ctx.host.name}, ${question}`
    : `Ask whoever looks after ${ctx.host.name} ${question}`;
}

/** Words of a list of names from the inventory or Wazuh, each as a bare token. */
function names(values: readonly string[] | undefined, max = 6): string | undefined {
  const shown = [...new Set(values ?? [])].slice(0, max).map((value) => token(value, 40));
  return shown.length > 0 ? listWords(shown) : undefined;
}

/**
 * What the inventory and Wazuh say about the machine's importance and role, as sentences,
 * when they know it: criticality, owner and team, the inventory's tags, and the Wazuh agent
 * groups it belongs to (other than `default`, which every agent is in).
 */
export function assetSentence(ctx: ExplainContext): string | undefined {
  const asset = ctx.enrichment.asset;
  const groups = names(ctx.enrichment.agent.groups?.filter((group) => group !== 'default'));
  const groupSentence = groups
    ? `Wazuh places ${ctx.host.name} in the agent ${groups.includes(' and ') || groups.includes(',') ? 'groups' : 'group'} ${groups}.`
    : undefined;
  if (!asset) {
    return groupSentence;
  }
  const owner = ownerText(ctx.enrichment);
  const tags = names(asset.tags);
  const details = [
    owner ? `it belongs to ${owner}` : undefined,
    tags ? `it is tagged ${tags}` : undefined,
  ]
    .filter((part): part is string => part !== undefined)
    .join(' and ');
  const inventory = `The asset inventory rates ${ctx.host.name} as ${asset.criticality} importance${details ? `; ${details}` : ''}.`;
  return groupSentence ? `${inventory} ${groupSentence}` : inventory;
}

/** The MITRE ATT&CK mapping of the rule, in words, when it has one. */
export function mitreSentence(alert: WazuhAlert): string | undefined {
  const tactics = [...new Set(alert.rule.mitre?.tactic ?? [])].map((tactic) => clip(tactic, 40));
  if (tactics.length === 0) {
    return undefined;
  }
  const ids = alert.rule.mitre?.id ?? [];
  const techniques = alert.rule.mitre?.technique ?? [];
  const named = ids.slice(0, 3).map((id, index) => {
    const technique = techniques[index];
    return technique ? `${token(id, 16)} ${clip(technique, 60)}` : token(id, 16);
  });
  const stage = tactics.length === 1 ? 'attack stage' : 'attack stages';
  const suffix = named.length > 0 ? ` (${named.join('; ')})` : '';
  return `Wazuh links this to the MITRE ATT&CK ${stage} ${listWords(tactics)}${suffix}.`;
}

/** The rule as Wazuh words it, quoted: it may embed values decoded from the event. */
export function ruleQuote(alert: WazuhAlert, max = 140): string {
  return quoteStatement(alert.rule.description, max);
}

/** True for loopback, private (RFC 1918), link-local and carrier-grade NAT IPv4 addresses. */
export function isInternalAddress(ip: string): boolean {
  const octets = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(ip);
  if (!octets) {
    return /^(::1|f[cd][0-9a-f]{2}:|fe80:)/i.test(ip);
  }
  const a = Number(octets[1]);
  const b = Number(octets[2]);
  return (
    a === 10 ||
    a === 127 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/** Where a source address sits, as a clause for a summary or a step. */
export function addressNote(ip: string): string {
  return isInternalAddress(ip)
    ? `${token(ip, 45)} is an internal address, so the source is a machine inside your own network`
    : `${token(ip, 45)} is a public internet address`;
}

/** The first CVE id found in the texts (rule.info, a description...), upper-cased. */
export function cveOf(...texts: unknown[]): string | undefined {
  for (const text of texts) {
    const match = /CVE-\d{4}-\d{4,7}/i.exec(typeof text === 'string' ? text : '');
    if (match) {
      return match[0].toUpperCase();
    }
  }
  return undefined;
}
