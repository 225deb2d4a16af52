import { levelOf } from './explain/level.ts';
import type { AlertFamily, Enrichment, Priority } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';
import { num } from './fields.ts';
import { changedAttributes, contentUnchanged } from './fim.ts';
import { hasGroup, isMalwareDetection, readSignals, type Signals } from './signals.ts';
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

const ATTACK_GROUPS = ['attack', 'attacks', 'exploit_attempt'];
const ATTACK_POINTS = 10;
const SUCCESS_AFTER_FAILURES_POINTS = 15;
/** Findings about configuration or unchanged content, not about something happening. */
const NOT_AN_ATTACK_POINTS = -15;
const MAX_REPETITION_POINTS = 10;
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

function repetitionPoints(alert: WazuhAlert, reasons: string[]): number {
  let points = 0;
  const frequency = num(alert.rule.frequency);
  if (frequency !== undefined && frequency >= 2) {
    const added = Math.min(MAX_REPETITION_POINTS, Math.round(frequency));
    points += added;
    reasons.push(`correlates ${Math.round(frequency)} matching events (+${added})`);
  }
  const firedTimes = num(alert.rule.firedtimes);
  const fired = firedTimes === undefined ? 0 : firedTimesPoints(firedTimes);
  if (fired > 0) {
    points += fired;
    reasons.push(`fired ${firedTimes} times (+${fired})`);
  }
  return points;
}

/**
 * The deterministic risk score (0-100) of an alert: the rule level as the base, raised
 * or lowered by evidence in the alert (attack groups, MITRE tactics, repetition,
 * confirmed malware, findings that are not attacks), by the alert being about the Wazuh
 * manager itself, then scaled by the asset's criticality when the inventory knows it.
 */
export function scoreAlert(
  alert: WazuhAlert,
  enrichment: Enrichment,
  family: AlertFamily,
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
  score += repetitionPoints(alert, reasons);
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
