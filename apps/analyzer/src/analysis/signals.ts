import type { WazuhAlert } from '@herald/wazuh';
import { at, firstStr, num, record, str } from './fields.ts';

/** What classification and scoring read from an alert, normalised once. */
export interface Signals {
  /** rule.id as a number (a string in 4.x, a number in 2.x); undefined if not numeric. */
  ruleId: number | undefined;
  /** rule.level within Wazuh's 0-15 scale, as scoring uses it. */
  level: number;
  /** rule.level as the alert gave it (Wazuh allows 16), for the words. */
  rawLevel: number;
  /** rule.groups, lower-cased; empty for trimmed alerts. */
  groups: ReadonlySet<string>;
  /** decoder.name, lower-cased ('' when absent). */
  decoder: string;
  parentDecoder: string;
  /** location, lower-cased ('' when absent). */
  location: string;
  /** The program that wrote the log line: predecoder, or the 2.x top-level field. */
  program: string;
  data: Record<string, unknown>;
  description: string;
  fullLog: string;
}

/** Reads the {@link Signals} of an alert. */
export function readSignals(alert: WazuhAlert): Signals {
  return {
    ruleId: num(alert.rule.id),
    level: Math.min(15, Math.max(0, alert.rule.level)),
    rawLevel: alert.rule.level,
    groups: new Set((alert.rule.groups ?? []).map((group) => group.toLowerCase())),
    decoder: (alert.decoder?.name ?? '').toLowerCase(),
    parentDecoder: (alert.decoder?.parent ?? '').toLowerCase(),
    location: (alert.location ?? '').toLowerCase(),
    program: (
      firstStr(at(alert, 'predecoder', 'program_name'), alert['program_name']) ?? ''
    ).toLowerCase(),
    data: alert.data ?? {},
    description: alert.rule.description,
    fullLog: alert.full_log ?? '',
  };
}

/** True when any of the groups is present. */
export function hasGroup(signals: Signals, ...groups: string[]): boolean {
  return groups.some((group) => signals.groups.has(group));
}

/** True when the rule id lies in one of the inclusive ranges. */
export function ruleIdIn(signals: Signals, ...ranges: [number, number][]): boolean {
  const id = signals.ruleId;
  return id !== undefined && ranges.some(([low, high]) => id >= low && id <= high);
}

/** True when the decoder, its parent or the program is one of the names. */
export function fromProgram(signals: Signals, ...names: string[]): boolean {
  return names.some(
    (name) =>
      signals.decoder === name || signals.parentDecoder === name || signals.program === name,
  );
}

/** How an alert shows a fact: in its event data, or only through its stock rule id. */
export type EvidenceBasis = 'data' | 'rule-id';

/** A failing integration on the manager (VirusTotal "check credentials", rate limit...). */
export interface IntegrationError {
  integration: string;
  code: string | undefined;
  message: string | undefined;
  basis: EvidenceBasis;
}

/**
 * The integration error an alert reports: Wazuh's own integrations put
 * `{ integration: 'virustotal', virustotal: { error: '403', description } }` in data.
 * VirusTotal rules 87101 (rate limit) and 87102 (credentials) count on their own, for
 * trimmed alerts.
 */
export function integrationError(signals: Signals): IntegrationError | undefined {
  const integration = str(signals.data['integration']);
  const details = integration ? record(signals.data[integration]) : undefined;
  const code = str(details?.['error']);
  if (integration && code !== undefined) {
    return { integration, code, message: str(details?.['description']), basis: 'data' };
  }
  if (ruleIdIn(signals, [87101, 87102])) {
    return { integration: 'virustotal', code: undefined, message: undefined, basis: 'rule-id' };
  }
  return undefined;
}

/** Windows Defender event ids that report a detection or what was done about one. */
const DEFENDER_DETECTION_EVENTS = new Set([
  '1006',
  '1007',
  '1008',
  '1015',
  '1116',
  '1117',
  '1118',
  '1119',
]);

/** True for an event from Windows Defender (by group or event provider). */
export function isDefenderEvent(signals: Signals): boolean {
  const provider = str(at(signals.data, 'win', 'system', 'providerName')) ?? '';
  return hasGroup(signals, 'windows_defender') || /defender/i.test(provider);
}

/**
 * How the alert shows malware actually found, if it does: VirusTotal positives, a
 * ClamAV FOUND line, a Windows Defender detection event. Status events of the same tools
 * (a scanner stopped, "no positives", an update) are not detections.
 */
export function malwareEvidence(signals: Signals): EvidenceBasis | undefined {
  const virustotal = record(signals.data['virustotal']);
  if (virustotal) {
    const positive =
      str(virustotal['malicious']) === '1' || (num(virustotal['positives']) ?? 0) > 0;
    return positive ? 'data' : undefined;
  }
  const clamav = fromProgram(signals, 'clamd') || hasGroup(signals, 'clamd');
  if ((clamav || /\bclamd\[\d+\]:/.test(signals.fullLog)) && / FOUND\b/.test(signals.fullLog)) {
    return 'data';
  }
  const defenderEvent = str(at(signals.data, 'win', 'system', 'eventID'));
  if (isDefenderEvent(signals) && defenderEvent !== undefined) {
    return DEFENDER_DETECTION_EVENTS.has(defenderEvent) ? 'data' : undefined;
  }
  // Trimmed alerts: the rule alone. 87105 VirusTotal positives, 52502/52511 ClamAV,
  // 62123 Defender 1116 (eventchannel), 83001/83002 Defender 1116/1117 (legacy),
  // 40113 "multiple viruses detected".
  const byRuleId = ruleIdIn(
    signals,
    [87105, 87105],
    [52502, 52502],
    [52511, 52511],
    [62123, 62123],
    [83001, 83002],
    [40113, 40113],
  );
  return byRuleId ? 'rule-id' : undefined;
}

/** True when the alert reports malware actually found (see {@link malwareEvidence}). */
export function isMalwareDetection(signals: Signals): boolean {
  return malwareEvidence(signals) !== undefined;
}

/** The command a sudo line ran: `COMMAND=` of the log line, else the decoded field. */
export function sudoCommand(signals: Signals, alert: WazuhAlert): string | undefined {
  const fromLog = /COMMAND=(.+)$/m.exec(signals.fullLog)?.[1];
  return firstStr(fromLog, signals.data['command'], alert['command']);
}
