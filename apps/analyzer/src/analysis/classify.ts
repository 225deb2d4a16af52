import type { AlertFamily } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';
import { at, record, str } from './fields.ts';
import {
  fromProgram,
  hasGroup,
  integrationError,
  isDefenderEvent,
  isMalwareDetection,
  malwareEvidence,
  readSignals,
  ruleIdIn,
  type Signals,
} from './signals.ts';

/** Which kind of evidence decided the family, strongest first. */
export type ClassificationBasis = 'groups' | 'source' | 'data' | 'rule-id' | 'none';

/** The family of an alert and the evidence that decided it. */
export interface Classification {
  family: AlertFamily;
  basis: ClassificationBasis;
}

type Test = (signals: Signals) => boolean;
type FamilyTests = readonly (readonly [AlertFamily, Test])[];

// Published alerts are often trimmed (no groups, no decoder), so the family is decided in
// passes of decreasing strength: rule groups, then where the event came from (decoder,
// location, program), then which data keys it carries, then the rule id range of the
// stock ruleset. Within a pass the order settles overlaps: an active response about an
// sshd alert is an active response, a VirusTotal error is agent health, not malware.

/** The stock ruleset files put every rule of a source in one id range. */
const RULE_IDS: Record<Exclude<AlertFamily, 'other'>, [number, number][]> = {
  // 0016-wazuh_rules (agent queue, upgrades), 0015-ossec_rules agent/server events and
  // the FIM queue-full warning, VirusTotal errors, ClamAV daemon status.
  'agent-health': [
    [200, 238],
    [500, 508],
    [520, 520],
    [560, 560],
    [87101, 87102],
    [52503, 52510],
  ],
  'active-response': [
    [600, 609],
    [650, 659],
  ],
  malware: [
    [87103, 87105],
    [52502, 52502],
    [52511, 52511],
    [62123, 62123],
    [83001, 83002],
    [40113, 40113],
  ],
  rootcheck: [
    [509, 519],
    [521, 521],
  ],
  'file-integrity': [
    [550, 555],
    [594, 598],
    [750, 752],
  ],
  vulnerability: [[23501, 23510]],
  policy: [[19000, 19999]],
  // AWS 0350-amazon_rules (80200-80499), Azure (87801-87811 in the stock ruleset).
  'cloud-audit': [
    [80200, 80499],
    [87800, 87899],
  ],
  container: [[87900, 87999]],
  'web-attack': [
    [31100, 31199],
    [31500, 31599],
  ],
  // su, sudo, PAM, sshd, syslog login failures, multiple-failure correlations.
  authentication: [
    [5300, 5399],
    [5400, 5499],
    [5500, 5599],
    [5700, 5799],
    [2501, 2502],
    [40101, 40101],
    [40111, 40112],
  ],
  'windows-event': [],
};

const AUTH_GROUPS = [
  'sshd',
  'sudo',
  'su',
  'pam',
  'authentication_failed',
  'authentication_failures',
  'authentication_success',
  'invalid_login',
  'login_denied',
  'win_authentication_failed',
];

const HEALTH_GROUPS = [
  'agent_flooding',
  'upgrade',
  'upgrade_failure',
  'agent_restarting',
  'configuration_failure',
  'fim_db_state',
];

/** Manager daemons that raise alerts about agents and the manager itself. */
const HEALTH_LOCATIONS = new Set([
  'wazuh-remoted',
  'ossec-remoted',
  'wazuh-monitord',
  'ossec-monitord',
  'wazuh-analysisd',
  'ossec-analysisd',
  'wazuh-integratord',
]);

const isClamav: Test = (s) =>
  hasGroup(s, 'clamd', 'freshclam') || fromProgram(s, 'clamd', 'freshclam');
const isWindowsLog: Test = (s) =>
  s.decoder === 'windows_eventchannel' ||
  s.location === 'eventchannel' ||
  s.location === 'winevtlog';

const BY_GROUPS: FamilyTests = [
  ['active-response', (s) => hasGroup(s, 'active_response')],
  [
    'agent-health',
    (s) =>
      hasGroup(s, ...HEALTH_GROUPS) ||
      (hasGroup(s, 'virustotal') && integrationError(s) !== undefined) ||
      (hasGroup(s, 'clamd', 'freshclam') && !isMalwareDetection(s)),
  ],
  [
    'malware',
    (s) =>
      hasGroup(s, 'virustotal') ||
      (hasGroup(s, 'virus', 'windows_defender') && isMalwareDetection(s)),
  ],
  ['rootcheck', (s) => hasGroup(s, 'rootcheck')],
  ['file-integrity', (s) => [...s.groups].some((group) => group.startsWith('syscheck'))],
  ['vulnerability', (s) => hasGroup(s, 'vulnerability-detector', 'vulnerability_detector')],
  ['policy', (s) => hasGroup(s, 'sca', 'oscap', 'ciscat')],
  ['cloud-audit', (s) => hasGroup(s, 'amazon', 'aws', 'gcp', 'azure', 'office365', 'ms-graph')],
  ['container', (s) => hasGroup(s, 'docker')],
  ['web-attack', (s) => hasGroup(s, 'web', 'accesslog', 'web_scan')],
  ['authentication', (s) => hasGroup(s, ...AUTH_GROUPS)],
  [
    'windows-event',
    (s) => [...s.groups].some((group) => group.startsWith('windows') || group.startsWith('sysmon')),
  ],
];

const BY_SOURCE: FamilyTests = [
  [
    'active-response',
    (s) => s.decoder.startsWith('ar_log') || s.location.endsWith('active-responses.log'),
  ],
  [
    'agent-health',
    (s) =>
      HEALTH_LOCATIONS.has(s.location) ||
      s.decoder === 'wazuh' ||
      (s.location === 'virustotal' && integrationError(s) !== undefined) ||
      (isClamav(s) && !isMalwareDetection(s)),
  ],
  [
    'malware',
    (s) =>
      s.location === 'virustotal' ||
      (isClamav(s) && isMalwareDetection(s)) ||
      (isWindowsLog(s) && isDefenderEvent(s) && isMalwareDetection(s)),
  ],
  ['rootcheck', (s) => s.decoder === 'rootcheck' || s.location === 'rootcheck'],
  ['file-integrity', (s) => s.decoder.startsWith('syscheck') || s.location === 'syscheck'],
  ['vulnerability', (s) => s.location === 'vulnerability-detector'],
  ['policy', (s) => s.decoder === 'sca' || s.location === 'sca'],
  ['cloud-audit', (s) => /(^|[^a-z])(aws|gcp|azure|office365)([^a-z]|$)/.test(s.location)],
  ['container', (s) => /(^|[^a-z])docker([^a-z]|$)/.test(s.location)],
  ['web-attack', (s) => s.decoder === 'web-accesslog' || /access[._-]?log/.test(s.location)],
  ['authentication', (s) => fromProgram(s, 'sshd', 'sudo', 'su', 'pam', 'login', 'unix_chkpwd')],
  ['windows-event', isWindowsLog],
];

/** Azure Log Analytics rows arrive flat, recognisable by these keys. */
const AZURE_KEYS = ['OperationName', 'SubscriptionId', 'TenantId', 'ResourceProvider', 'azure_tag'];
const CLOUD_INTEGRATIONS = new Set(['aws', 'gcp', 'azure', 'office365', 'ms-graph']);

const BY_DATA: FamilyTests = [
  [
    'active-response',
    (s) =>
      at(s.data, 'parameters', 'program') !== undefined ||
      /execd/.test(str(at(s.data, 'origin', 'module')) ?? ''),
  ],
  ['agent-health', (s) => integrationError(s)?.basis === 'data'],
  ['malware', (s) => record(s.data['virustotal']) !== undefined || malwareEvidence(s) === 'data'],
  ['vulnerability', (s) => record(s.data['vulnerability']) !== undefined],
  ['policy', (s) => record(s.data['sca']) !== undefined],
  [
    'cloud-audit',
    (s) =>
      ['aws', 'gcp', 'office365', 'protoPayload'].some((key) => record(s.data[key])) ||
      CLOUD_INTEGRATIONS.has(str(s.data['integration']) ?? '') ||
      AZURE_KEYS.filter((key) => s.data[key] !== undefined).length >= 2,
  ],
  ['container', (s) => record(s.data['docker']) !== undefined],
  ['windows-event', (s) => record(s.data['win']) !== undefined],
];

function byRuleId(signals: Signals): AlertFamily | undefined {
  for (const [family, ranges] of Object.entries(RULE_IDS)) {
    if (ruleIdIn(signals, ...ranges)) {
      return family as AlertFamily;
    }
  }
  return undefined;
}

function firstMatch(tests: FamilyTests, signals: Signals): AlertFamily | undefined {
  return tests.find(([, test]) => test(signals))?.[0];
}

/**
 * The family of an alert, from its rule groups, then its decoder and location, then its
 * data keys, then its rule id. File integrity counts as such from the `syscheck` object
 * alone, which is how Wazuh sends FIM events without `data`.
 */
export function classifyAlert(alert: WazuhAlert): Classification {
  const signals = readSignals(alert);

  const fromGroups = firstMatch(BY_GROUPS, signals);
  if (fromGroups) {
    return { family: fromGroups, basis: 'groups' };
  }
  const fromSource = firstMatch(BY_SOURCE, signals);
  if (fromSource) {
    return { family: fromSource, basis: 'source' };
  }
  const fromData = record(alert.syscheck) ? 'file-integrity' : firstMatch(BY_DATA, signals);
  if (fromData) {
    return { family: fromData, basis: 'data' };
  }
  const fromRuleId = byRuleId(signals);
  if (fromRuleId) {
    return { family: fromRuleId, basis: 'rule-id' };
  }
  return { family: 'other', basis: 'none' };
}
