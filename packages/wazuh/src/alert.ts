import { z } from 'zod';

// Only what every real alert carries is required (see corpus/: many published alerts
// are trimmed). Optional fields Herald reads are typed, so a wrong type is reported with
// its path; everything else passes through untouched.

/** rule.level: a number 0-16; a numeric string is accepted, as nested alerts carry them. */
const RuleLevel = z.preprocess(
  (value) => (typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : value),
  z.number({ message: 'must be a number from 0 to 16' }).int().min(0).max(16),
);

/** rule.id: a string in Wazuh 4.x, a number in 2.x; always a string here. */
const RuleId = z
  .union([z.string().min(1), z.number().int().nonnegative()], {
    message: 'must be a non-empty string or a whole number',
  })
  .transform(String);

const StringList = z.array(z.string());

const Mitre = z.looseObject({
  id: StringList.optional(),
  tactic: StringList.optional(),
  technique: StringList.optional(),
});

const Rule = z.looseObject({
  level: RuleLevel,
  id: RuleId,
  description: z.string({ message: 'must be a string' }),
  groups: StringList.optional(),
  firedtimes: z.number().optional(),
  frequency: z.number().optional(),
  mitre: Mitre.optional(),
  pci_dss: StringList.optional(),
  gdpr: StringList.optional(),
  hipaa: StringList.optional(),
  nist_800_53: StringList.optional(),
  tsc: StringList.optional(),
  gpg13: StringList.optional(),
});

const Agent = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  ip: z.string().optional(),
});

export const WazuhAlertSchema = z.looseObject({
  timestamp: z.string({ message: 'is required (a string)' }).min(1, 'must not be empty'),
  rule: Rule,
  id: z.string().optional(),
  agent: Agent.optional(),
  agentless: z.looseObject({ host: z.string().optional() }).optional(),
  manager: z.looseObject({ name: z.string().optional() }).optional(),
  cluster: z.looseObject({ name: z.string().optional(), node: z.string().optional() }).optional(),
  location: z.string().optional(),
  full_log: z.string().optional(),
  previous_output: z.string().optional(),
  decoder: z.looseObject({ name: z.string().optional(), parent: z.string().optional() }).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  syscheck: z.record(z.string(), z.unknown()).optional(),
});

/** A Wazuh alert as Herald reads it. Unknown fields are kept as they came. */
export type WazuhAlert = z.output<typeof WazuhAlertSchema>;

/** One problem with an alert: the dotted path of the field and what is wrong. */
export interface AlertFieldError {
  field: string;
  message: string;
}

export type AlertValidation =
  | { ok: true; alert: WazuhAlert }
  | { ok: false; errors: AlertFieldError[] };

/** Checks a parsed JSON value against the Wazuh alert shape. */
export function validateAlert(value: unknown): AlertValidation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, errors: [{ field: '(alert)', message: 'must be a JSON object' }] };
  }
  const result = WazuhAlertSchema.safeParse(value);
  if (result.success) {
    return { ok: true, alert: result.data };
  }
  return {
    ok: false,
    errors: result.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.map(String).join('.') : '(alert)',
      message: isMissing(value, issue.path) ? 'is required' : issue.message,
    })),
  };
}

/**
 * Whether the field at `path` is absent from the input. zod 4 does not put the offending
 * input on its issues, so absence is read from the value itself: a field that is there
 * with the wrong type must say so, not claim it is missing.
 */
function isMissing(value: unknown, path: readonly PropertyKey[]): boolean {
  let current: unknown = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !(key in current)) return true;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current === undefined;
}

const MONTHS: Record<string, string> = {
  Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06',
  Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12',
};

/**
 * Parses Wazuh's timestamps: ISO with a `+0000` style offset (4.x), or the legacy
 * `2017 Jan 05 14:11:21` (2.x, manager local time, read as UTC). Undefined if neither.
 */
export function parseWazuhTimestamp(value: string): Date | undefined {
  const legacy = /^(\d{4}) ([A-Z][a-z]{2}) (\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value);
  const iso = legacy
    ? `${legacy[1]}-${MONTHS[legacy[2]!] ?? '??'}-${legacy[3]}T${legacy[4]}Z`
    : value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
