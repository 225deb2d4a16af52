import { RE2JS } from 're2js';
import { z } from 'zod';

/**
 * Alertmanager-style matchers over Herald alerts, shared by routes and silences.
 *
 * A matcher names a field by dotted path and compares its value as a string:
 *
 * - `field=value`   equal
 * - `field!=value`  not equal
 * - `field=~regex`  the whole value matches the regex (anchored, as Alertmanager does)
 * - `field!~regex`  the whole value does not match the regex
 *
 * Regexes are RE2 (re2js, pure JavaScript), as Alertmanager's are: matching takes time linear
 * in the value, so a pattern such as `.*error.*failed.*` against a 1 MB `full_log` (or
 * `(a+)+b`) cannot stall the analyzer; RE2 has no lookahead or backreferences.
 *
 * Field namespace (see {@link fieldValues}):
 *
 * - `asset.<x>`      the inventory's facts from enrichment (`asset.criticality`, `asset.team`,
 *                    `asset.owner`, `asset.tags`).
 * - `agent.<x>`      the alert's own `agent` block (`agent.id`, `agent.name`, `agent.ip`), and for
 *                    what the alert does not carry, the enriched agent facts (`agent.groups`,
 *                    `agent.os.platform`, `agent.status`, `agent.version`).
 * - `enrichment.<x>` the whole enrichment record, explicitly (`enrichment.kind`).
 * - `analysis.<x>`   the analyzer's result where one exists (`analysis.priority`,
 *                    `analysis.family`); absent for silences checked before analysis.
 * - anything else    a path into the Wazuh alert (`rule.id`, `rule.level`, `rule.groups`,
 *                    `rule.mitre.tactic`, `rule.pci_dss`, `data.srcip`, `decoder.name`).
 *
 * Numbers and booleans compare as their text (`rule.level=10`). An array matches a positive
 * matcher when any element does, and a negative matcher when no element does
 * (`rule.groups!=sshd`: none of the groups is `sshd`). A missing field, or an empty array,
 * reads as the empty string, as a missing label does in Alertmanager: `data.srcip=""` matches
 * alerts without a source IP and `data.srcip!=""` those with one.
 */

/** The four comparison operators. */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** One parsed matcher. Build with {@link parseMatcher} or {@link matcherFromObject}. */
export interface Matcher {
  /** Dotted path of the field, e.g. `rule.id`. */
  readonly name: string;
  readonly operator: MatchOperator;
  /** The value or regex source as written. */
  readonly value: string;
  /** The anchored regex of `=~`/`!~` matchers. */
  readonly regex?: RegexTest;
}

/** A compiled regex, as far as matching needs it. */
export interface RegexTest {
  test(text: string): boolean;
}

/** What a matcher looks at: the alert, and the facts known about it so far. */
export interface MatchSubject {
  /** The Wazuh alert body. */
  readonly alert: unknown;
  /** The enricher's result, when there is one. */
  readonly enrichment?: unknown;
  /** The analyzer's result, when there is one. */
  readonly analysis?: unknown;
}

/**
 * A matcher that could not be read: bad syntax, a bad field name or an invalid regex.
 * Permanent: the text must be fixed.
 */
export class InvalidMatcherError extends Error {
  readonly code = 'CONFIG_INVALID_MATCHER';
  readonly isInvalidMatcherError = true;
  readonly retryable = false;
  /** The matcher as written. */
  readonly matcher: string;

  constructor(matcher: string, reason: string, options?: { cause?: unknown }) {
    super(`invalid matcher '${matcher}': ${reason}`, options);
    this.name = 'InvalidMatcherError';
    this.matcher = matcher;
  }
}

/** Guard that survives duplicate copies of this package, where `instanceof` does not. */
export function isInvalidMatcherError(err: unknown): err is InvalidMatcherError {
  return typeof err === 'object' && err !== null && 'isInvalidMatcherError' in err;
}

// Segments of letters, digits, `_`, `-` or `@` joined by single dots (Wazuh decoders emit
// names such as `data.win.eventdata.targetUserName` and `data.aws.source-ip`).
const FIELD_NAME = /^[A-Za-z0-9_@-]+(?:\.[A-Za-z0-9_@-]+)*$/;
// The operator is the first `=` or `!` after the name; longer operators are tried first.
const MATCHER_TEXT = /^\s*([^=!~\s]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/**
 * Reads one matcher written as text: `rule.id=5710`, `agent.name!=web-01`,
 * `rule.groups=~"auth.*"`. The value may be double-quoted (JSON string escapes apply), which
 * is the only way to give one with leading or trailing spaces.
 *
 * @throws InvalidMatcherError naming the matcher and what is wrong with it.
 */
export function parseMatcher(text: string): Matcher {
  const match = MATCHER_TEXT.exec(text);
  if (!match) {
    throw new InvalidMatcherError(
      text,
      'write field=value, field!=value, field=~regex or field!~regex',
    );
  }
  const [, name = '', operator = '=', written = ''] = match;
  // `rule.level=>10` or `rule.id==5710` would read as a value that no alert has: a route or
  // silence that silently never holds. A value meant to start so is written quoted.
  const stray = /^[=<>~!]/.exec(written)?.[0];
  if (stray !== undefined) {
    throw new InvalidMatcherError(
      text,
      `the value starts with '${stray}': the operators are =, !=, =~, !~ (and >=, <=, >, < in routes); quote a value meant to start with it`,
    );
  }
  return buildMatcher(text, name, operator as MatchOperator, unquote(text, written));
}

/**
 * The object form, as Alertmanager's silence API writes it:
 * `{ name, value, isRegex, isEqual }` (`isEqual` defaults to true).
 */
export const MatcherObject = z.strictObject({
  name: z.string(),
  value: z.string(),
  isRegex: z.boolean().default(false),
  isEqual: z.boolean().default(true),
});
export type MatcherObject = z.input<typeof MatcherObject>;

/**
 * Builds a matcher from its object form.
 *
 * @throws InvalidMatcherError for a bad field name or an invalid regex.
 */
export function matcherFromObject(input: MatcherObject): Matcher {
  const parsed = MatcherObject.parse(input);
  const operator: MatchOperator = parsed.isRegex
    ? parsed.isEqual
      ? '=~'
      : '!~'
    : parsed.isEqual
      ? '='
      : '!=';
  return buildMatcher(
    `${parsed.name}${operator}${JSON.stringify(parsed.value)}`,
    parsed.name,
    operator,
    parsed.value,
  );
}

/** The object form of a matcher, e.g. for an API answer. */
export function matcherToObject(matcher: Matcher): z.output<typeof MatcherObject> {
  return {
    name: matcher.name,
    value: matcher.value,
    isRegex: matcher.operator === '=~' || matcher.operator === '!~',
    isEqual: matcher.operator === '=' || matcher.operator === '=~',
  };
}

/** The text form of a matcher; {@link parseMatcher} reads it back to the same matcher. */
export function formatMatcher(matcher: Matcher): string {
  return `${matcher.name}${matcher.operator}${JSON.stringify(matcher.value)}`;
}

/**
 * A config or API field holding a matcher as text or as an object. Parse errors become zod
 * issues whose message names the matcher, so a config loader can point at the line.
 */
export const MatcherSchema = z
  .union([z.string(), MatcherObject])
  .transform((input, ctx): Matcher => {
    try {
      return typeof input === 'string' ? parseMatcher(input) : matcherFromObject(input);
    } catch (err) {
      if (!isInvalidMatcherError(err)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });

/** True when the subject satisfies the matcher (see the module comment for the rules). */
export function matches(matcher: Matcher, subject: MatchSubject): boolean {
  const values = fieldValues(subject, matcher.name);
  const found = values.some((value) =>
    matcher.regex ? matcher.regex.test(value) : value === matcher.value,
  );
  return matcher.operator === '=' || matcher.operator === '=~' ? found : !found;
}

/**
 * True when every matcher also holds for an alert that has none of their fields (a missing
 * field reads as empty), as `rule.idd!=5710` (a typo) or `data.srcip=~.*` do: such a set
 * matches nearly every alert. Alertmanager refuses silences like that, and so does Herald.
 */
export function holdsWithoutFields(matchers: readonly Matcher[]): boolean {
  return matchers.every((matcher) => matches(matcher, { alert: {} }));
}

/** True when the subject satisfies every matcher; an empty list matches everything. */
export function matchesAll(matchers: readonly Matcher[], subject: MatchSubject): boolean {
  return matchers.every((matcher) => matches(matcher, subject));
}

/**
 * The values a field has for a subject, as strings: one for a scalar, one per scalar element
 * of an array, `['']` when the field is missing or holds nothing comparable.
 */
export function fieldValues(subject: MatchSubject, name: string): string[] {
  const raw = lookup(subject, name.split('.'));
  const scalars = (Array.isArray(raw) ? raw : [raw]).filter(isScalar).map(String);
  return scalars.length > 0 ? scalars : [''];
}

function lookup(subject: MatchSubject, path: readonly string[]): unknown {
  const [head, ...rest] = path;
  switch (head) {
    case 'asset':
      return dig(dig(subject.enrichment, ['asset']), rest);
    case 'enrichment':
      return dig(subject.enrichment, rest);
    case 'analysis':
      return dig(subject.analysis, rest);
    case 'agent': {
      // The alert's own agent block wins: it is what Wazuh saw when it raised the alert.
      const fromAlert = dig(subject.alert, path);
      return fromAlert !== undefined ? fromAlert : dig(dig(subject.enrichment, ['agent']), rest);
    }
    default:
      return dig(subject.alert, path);
  }
}

function dig(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) {
      return undefined;
    }
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function unquote(text: string, written: string): string {
  if (!written.startsWith('"')) return written;
  try {
    const value: unknown = JSON.parse(written);
    if (typeof value === 'string') return value;
  } catch (err) {
    throw new InvalidMatcherError(text, 'the quoted value is not a valid string', { cause: err });
  }
  throw new InvalidMatcherError(text, 'the quoted value is not a valid string');
}

function buildMatcher(text: string, name: string, operator: MatchOperator, value: string): Matcher {
  if (!FIELD_NAME.test(name)) {
    throw new InvalidMatcherError(
      text,
      `'${name}' is not a field path: dot-separated names of letters, digits, _, - or @`,
    );
  }
  if (operator === '=' || operator === '!=') return { name, operator, value };
  try {
    return { name, operator, value, regex: RE2JS.compile(`^(?:${value})$`) };
  } catch (err) {
    throw new InvalidMatcherError(text, `'${value}' is not a valid regular expression`, {
      cause: err,
    });
  }
}
