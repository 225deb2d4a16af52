// Whatever goes into a prompt leaves the organisation when the endpoint is a hosted model.
// Configured fields are replaced before the prompt is built, and so is every other place
// their values appear (a user name is in data.srcuser and again inside full_log).

/** What stands in for a redacted value in the prompt. */
export const REDACTED = '[redacted]';

/**
 * Fields redacted by default: who did something (user names, e-mail addresses, cloud
 * principals, access key ids). The model does not need a name to explain an alert.
 */
export const DEFAULT_REDACTED_FIELDS: readonly string[] = [
  'srcuser',
  'dstuser',
  'data.srcuser',
  'data.dstuser',
  'data.user',
  'data.win.eventdata.targetUserName',
  'data.win.eventdata.subjectUserName',
  'data.aws.userIdentity.userName',
  'data.aws.userIdentity.principalId',
  'data.aws.userIdentity.accessKeyId',
  'data.gcp.protoPayload.authenticationInfo.principalEmail',
  'data.office365.UserId',
  'syscheck.audit.user.name',
  'syscheck.uname_after',
];

// Secrets that turn up in log lines whatever the field list says.
const SECRET_PATTERNS: readonly RegExp[] = [
  /\b(pass(?:word|wd)?|secret|token|api[_-]?key)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
  /\b(authorization:\s*(?:bearer|basic))(\s+)(\S+)/gi,
  /\b()()(AKIA[0-9A-Z]{16})\b/g,
];

/** Values shorter than this are replaced in their field but not searched for elsewhere. */
const MIN_SEARCHED_CHARS = 3;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Visits the field at `path` (split on dots) in `target` when it exists: `visit` gets the
 * object holding it and its key.
 */
function atField(
  target: unknown,
  path: readonly string[],
  visit: (holder: Record<string, unknown>, key: string) => void,
): void {
  const [key, ...rest] = path;
  if (key === undefined || !isRecord(target) || !Object.hasOwn(target, key)) {
    return;
  }
  if (rest.length > 0) {
    atField(target[key], rest, visit);
    return;
  }
  visit(target, key);
}

/** A pattern for `value` as a whole word: `root` matches in `/root/x`, not in `chroot`. */
function wholeValue(value: string): string {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = /^\w/.test(value) ? '\\b' : '';
  const end = /\w$/.test(value) ? '\\b' : '';
  return `${start}${escaped}${end}`;
}

function scrubText(text: string, valuePattern: RegExp | undefined): string {
  let scrubbed = valuePattern ? text.replace(valuePattern, REDACTED) : text;
  for (const pattern of SECRET_PATTERNS) {
    scrubbed = scrubbed.replace(pattern, `$1$2${REDACTED}`);
  }
  return scrubbed;
}

function scrubAll(value: unknown, valuePattern: RegExp | undefined): unknown {
  if (typeof value === 'string') {
    return scrubText(value, valuePattern);
  }
  if (Array.isArray(value)) {
    return value.map((item) => scrubAll(item, valuePattern));
  }
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, scrubAll(item, valuePattern)]),
    );
  }
  return value;
}

/**
 * A copy of `alert` with each field in `fields` (dot paths such as `data.srcuser`) replaced
 * by {@link REDACTED}, the values those fields held replaced wherever else they occur
 * (full_log, previous_output, the rule description), and passwords, tokens and access keys
 * in any text replaced too. The alert itself is not changed.
 */
export function redactAlert(alert: unknown, fields: readonly string[]): unknown {
  const found = new Set<string>();
  for (const field of fields) {
    atField(alert, field.split('.'), (holder, key) => {
      const value = holder[key];
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item === 'string' || typeof item === 'number') {
          found.add(String(item));
        }
      }
    });
  }

  // Longest first, so a value that contains another is replaced whole.
  const searched = [...found]
    .filter((value) => value.length >= MIN_SEARCHED_CHARS && value !== REDACTED)
    .sort((a, b) => b.length - a.length)
    .map(wholeValue);
  const valuePattern = searched.length > 0 ? new RegExp(searched.join('|'), 'g') : undefined;
  const scrubbed = scrubAll(alert, valuePattern);
  // The fields themselves last, so no searched value can mangle the marker.
  for (const field of fields) {
    atField(scrubbed, field.split('.'), (holder, key) => {
      holder[key] = REDACTED;
    });
  }
  return scrubbed;
}
