import { levelOf } from './explain/level.ts';
import type { AlertFamily, Enrichment, Priority } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';
import { num } from './fields.ts';
import { changedAttributes, contentUnchanged } from './fim.ts';
import {
  fromProgram,
  hasGroup,
  isMalwareDetection,
  readSignals,
  sudoCommand,
  type Signals,
} from './signals.ts';
import { listWords } from './text.ts';

// The formula and its reasoning are documented in apps/analyzer/README.md ("Scoring");
// keep the two in step.

/** The score of an alert, its priority band and the factors that moved it. */
export interface ScoreResult {
  score: number;
  priority: Priority;
  reasons: string[];
}

/** Lowest score of each priority band, highest band first. */
export const PRIORITY_BANDS: readonly (readonly [Priority, number])[] = [
  ['critical', 80],
  ['high', 60],
  ['medium', 40],
  ['low', 20],
  ['info', 0],
];

/** Points per rule level: level 15 alone gives 75, so only added evidence reaches 80+. */
const POINTS_PER_LEVEL = 5;
/** A confirmed malware detection scores at least as a level 12 ("high importance") rule. */
const MALWARE_FLOOR_LEVEL = 12;

/** MITRE ATT&CK tactics by how directly they mean harm or a foothold. */
const TACTIC_POINTS: Record<string, number> = {
  impact: 10,
  'credential access': 10,
  'privilege escalation': 10,
  exfiltration: 10,
  execution: 8,
  persistence: 8,
  'lateral movement': 8,
  'initial access': 8,
  'command and control': 8,
  'defense evasion': 6,
  collection: 5,
  discovery: 3,
  reconnaissance: 3,
  'resource development': 2,
};
const TACTICS_CAP = 15;

/**
 * MITRE ATT&CK techniques that are strong evidence of harm on their own, by technique id
 * (sub-techniques count as their parent). Tactics say where in an attack a rule sits;
 * these few say the attacker is already doing damage or hiding it.
 */
const TECHNIQUE_POINTS: Record<string, number> = {
  T1003: 5, // OS Credential Dumping
  T1068: 5, // Exploitation for Privilege Escalation
  T1070: 5, // Indicator Removal (logs cleared)
  T1190: 5, // Exploit Public-Facing Application
  T1486: 5, // Data Encrypted for Impact (ransomware)
  T1490: 5, // Inhibit System Recovery (backups, shadow copies deleted)
  T1055: 3, // Process Injection
  T1098: 3, // Account Manipulation
  T1136: 3, // Create Account
};
const TECHNIQUES_CAP = 5;

/** What a privileged command may touch that turns routine admin work into a review item. */
const SENSITIVE_DATA =
  /cardholder|credit[_ -]?cards?|\/etc\/(g?shadow|sudoers)\b|\.ssh\/|\bid_(rsa|dsa|ecdsa|ed25519)\b|\.(pem|key|kdbx|pfx|p12)\b/i;
const SENSITIVE_DATA_POINTS = 15;

const ATTACK_GROUPS = ['attack', 'attacks', 'exploit_attempt'];
const ATTACK_POINTS = 10;
const SUCCESS_AFTER_FAILURES_POINTS = 15;
/** Findings about configuration or unchanged content, not about something happening. */
const NOT_AN_ATTACK_POINTS = -15;
const MAX_REPETITION_POINTS = 10;
/** Herald's own count needs a few repeats before it means more than coincidence. */
const RECENT_REPEATS_FREE = 2;
const MANAGER_POINTS = 5;

const CRITICALITY_FACTOR: Record<string, number> = {
  low: 0.8,
  medium: 1,
  high: 1.2,
  critical: 1.4,
};

/** The priority band of a score. */
export function priorityFor(score: number): Priority {
  return PRIORITY_BANDS.find(([, lowest]) => score >= lowest)?.[0] ?? 'info';
}

function signed(points: number): string {
  return points >= 0 ? `+${points}` : String(points);
}

/** A successful login that a rule ties to failures before it (e.g. rule 40112). */
function isSuccessAfterFailures(alert: WazuhAlert, signals: Signals): boolean {
  return (
    hasGroup(signals, 'authentication_success') &&
    (alert.rule.frequency !== undefined ||
      hasGroup(signals, 'authentication_failures', 'authentication_failed') ||
      /fail/i.test(signals.description))
  );
}

/** +3 per doubling above 4 firings: a rule that keeps firing is more than a one-off. */
function firedTimesPoints(firedTimes: number): number {
  if (firedTimes <= 4) {
    return 0;
  }
  return Math.min(MAX_REPETITION_POINTS, Math.round(3 * Math.log2(firedTimes / 4)));
}

function tacticPoints(alert: WazuhAlert, reasons: string[]): number {
  const tactics = [...new Set(alert.rule.mitre?.tactic ?? [])];
  let total = 0;
  for (const tactic of tactics) {
    const points = TACTIC_POINTS[tactic.trim().toLowerCase()];
    if (points !== undefined) {
      total += points;
      reasons.push(`MITRE tactic ${tactic.trim()} (+${points})`);
    }
  }
  if (total > TACTICS_CAP) {
    reasons.push(`MITRE tactics capped at +${TACTICS_CAP} in total`);
    return TACTICS_CAP;
  }
  return total;
}

function techniquePoints(alert: WazuhAlert, reasons: string[]): number {
  const ids = [
    ...new Set((alert.rule.mitre?.id ?? []).map((id) => id.trim().toUpperCase().split('.')[0]!)),
  ];
  const techniques = alert.rule.mitre?.technique ?? [];
  let total = 0;
  for (const id of ids) {
    const points = TECHNIQUE_POINTS[id];
    if (points !== undefined) {
      const index = (alert.rule.mitre?.id ?? []).findIndex((given) =>
        given.trim().toUpperCase().startsWith(id),
      );
      const name = techniques[index];
      total += points;
      reasons.push(`MITRE technique ${id}${name ? ` ${name.trim()}` : ''} (+${points})`);
    }
  }
  if (total > TECHNIQUES_CAP) {
    reasons.push(`MITRE techniques capped at +${TECHNIQUES_CAP} in total`);
    return TECHNIQUES_CAP;
  }
  return total;
}

/** A sudo or su command that reads or changes cardholder data, credentials or keys. */
function touchesSensitiveData(alert: WazuhAlert, signals: Signals, family: AlertFamily): boolean {
  if (family !== 'authentication' || !(hasGroup(signals, 'sudo') || fromProgram(signals, 'sudo'))) {
    return false;
  }
  const command = sudoCommand(signals, alert);
  return command !== undefined && SENSITIVE_DATA.test(command);
}

function evidencePoints(
  alert: WazuhAlert,
  signals: Signals,
  family: AlertFamily,
  reasons: string[],
): number {
  let points = 0;
  if (hasGroup(signals, ...ATTACK_GROUPS)) {
    points += ATTACK_POINTS;
    reasons.push(`matches a known attack pattern (+${ATTACK_POINTS})`);
  }
  if (isSuccessAfterFailures(alert, signals)) {
    points += SUCCESS_AFTER_FAILURES_POINTS;
    reasons.push(`successful login after repeated failures (+${SUCCESS_AFTER_FAILURES_POINTS})`);
  }
  if (touchesSensitiveData(alert, signals, family)) {
    points += SENSITIVE_DATA_POINTS;
    reasons.push(
      `privileged command on cardholder data, credentials or keys (+${SENSITIVE_DATA_POINTS})`,
    );
  }
  if (family === 'policy') {
    points += NOT_AN_ATTACK_POINTS;
    reasons.push(
      `configuration check result, not an attack in progress (${signed(NOT_AN_ATTACK_POINTS)})`,
    );
  }
  if (family === 'file-integrity' && contentUnchanged(alert)) {
    points += NOT_AN_ATTACK_POINTS;
    reasons.push(
      `file content unchanged, only ${listWords(changedAttributes(alert))} changed (${signed(NOT_AN_ATTACK_POINTS)})`,
    );
  }
  return points;
}

/** "1 h", "15 min", "30 s": a window length in words. */
function windowWords(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) {
    return `${ms / 3_600_000} h`;
  }
  if (ms >= 60_000 && ms % 60_000 === 0) {
    return `${ms / 60_000} min`;
  }
  return `${Math.round(ms / 1000)} s`;
}

/** +3 per doubling above 2 firings in the window, at most +10. */
function recentPoints(count: number): number {
  if (count <= RECENT_REPEATS_FREE) {
    return 0;
  }
  return Math.min(MAX_REPETITION_POINTS, Math.round(3 * Math.log2(count / RECENT_REPEATS_FREE)));
}

function repetitionPoints(
  alert: WazuhAlert,
  repetition: Repetition | undefined,
  reasons: string[],
): number {
  let points = 0;
  const frequency = num(alert.rule.frequency);
  if (frequency !== undefined && frequency >= 2) {
    const added = Math.min(MAX_REPETITION_POINTS, Math.round(frequency));
    points += added;
    reasons.push(`correlates ${Math.round(frequency)} matching events (+${added})`);
  }
  // Wazuh's firedtimes and Herald's own count measure the same repeats (Wazuh's since
  // analysisd started, for any agent; Herald's per agent, over the window): the larger
  // one counts, never both.
  const firedTimes = num(alert.rule.firedtimes);
  const fired = firedTimes === undefined ? 0 : firedTimesPoints(firedTimes);
  const recent = repetition ? recentPoints(repetition.count) : 0;
  if (recent > 0 && recent >= fired) {
    points += recent;
    reasons.push(
      `rule fired ${repetition!.count} times on this machine in the last ${windowWords(repetition!.windowMs)} (+${recent})`,
    );
  } else if (fired > 0) {
    points += fired;
    reasons.push(`fired ${firedTimes} times (+${fired})`);
  }
  return points;
}

/** How often the same rule fired on the same machine recently, Herald's own count. */
export interface Repetition {
  /** Firings in the window, this alert included. */
  count: number;
  windowMs: number;
}

/**
 * The deterministic risk score (0-100) of an alert: the rule level as the base, raised
 * or lowered by evidence in the alert (attack groups, MITRE tactics and techniques,
 * repetition, confirmed malware, findings that are not attacks), by the alert being about
 * the Wazuh manager itself, then scaled by the asset's criticality when the inventory
 * knows it. `repetition` is the analyzer's count of recent firings, when it has one.
 */
export function scoreAlert(
  alert: WazuhAlert,
  enrichment: Enrichment,
  family: AlertFamily,
  repetition?: Repetition,
): ScoreResult {
  const signals = readSignals(alert);
  const reasons: string[] = [];

  let base = signals.level * POINTS_PER_LEVEL;
  reasons.push(`rule ${levelOf(signals.rawLevel)} (base ${base})`);
  if (family === 'malware' && signals.level < MALWARE_FLOOR_LEVEL && isMalwareDetection(signals)) {
    base = MALWARE_FLOOR_LEVEL * POINTS_PER_LEVEL;
    reasons.push(
      `confirmed malware detection (scored as level ${MALWARE_FLOOR_LEVEL}, base ${base})`,
    );
  }

  let score = base;
  score += evidencePoints(alert, signals, family, reasons);
  score += tacticPoints(alert, reasons);
  score += techniquePoints(alert, reasons);
  score += repetitionPoints(alert, repetition, reasons);
  // Cloud alerts carry agent 000 because the manager collects them; they are about the
  // cloud account, not the manager.
  if (enrichment.kind === 'manager' && family !== 'cloud-audit') {
    score += MANAGER_POINTS;
    reasons.push(`about the Wazuh manager itself (+${MANAGER_POINTS})`);
  }
  score = Math.min(100, Math.max(0, score));

  const criticality = enrichment.asset?.criticality;
  const factor = criticality ? (CRITICALITY_FACTOR[criticality] ?? 1) : 1;
  if (factor !== 1) {
    score *= factor;
    reasons.push(`asset criticality ${criticality} (x${factor})`);
  }

  const final = Math.min(100, Math.max(0, Math.round(score)));
  return { score: final, priority: priorityFor(final), reasons };
}
