import { z } from 'zod';
import {
  MatcherObject,
  fieldValues,
  formatMatcher,
  InvalidMatcherError,
  isInvalidMatcherError,
  matches,
  matcherFromObject,
  parseMatcher,
  type MatchSubject,
  type Matcher,
} from './matchers.ts';

/** A numeric comparison a route may add beside the shared matchers: `rule.level>=12`. */
export interface NumericCondition {
  readonly kind: 'numeric';
  readonly name: string;
  readonly operator: '>=' | '<=' | '>' | '<';
  readonly value: number;
}

/**
 * One entry of a route's `matchers:` list: a shared matcher (`=`, `!=`, `=~`, `!~`, as silences
 * use) or a numeric comparison, which only routes have.
 */
export type RouteCondition =
  { readonly kind: 'matcher'; readonly matcher: Matcher } | NumericCondition;

const NUMERIC = /^\s*([^<>=!~\s]+)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/;
const COMPARISON = /^\s*([^<>=!~\s]+)\s*(>=|<=|>|<)/;

const COMPARE: Record<NumericCondition['operator'], (a: number, b: number) => boolean> = {
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
};

/** True for a dotted field path the shared matchers accept (`rule.id`, `data.win.system.eventID`). */
export function isFieldPath(name: string): boolean {
  // The field-name rules are the shared matchers' own: asked of their parser rather than copied.
  try {
    return parseMatcher(`${name}=`).name === name;
  } catch (err) {
    if (isInvalidMatcherError(err)) return false;
    throw err;
  }
}

/**
 * Reads one route condition from its text. Numeric comparisons are recognised first (the shared
 * matcher syntax has no `<`/`>`), everything else goes to the shared matcher parser.
 *
 * @throws InvalidMatcherError naming the condition and what is wrong with it.
 */
export function parseRouteCondition(text: string): RouteCondition {
  const numeric = NUMERIC.exec(text);
  if (numeric) {
    const [, name = '', operator = '>=', value = '0'] = numeric;
    if (!isFieldPath(name)) {
      throw new InvalidMatcherError(text, `'${name}' is not a field path`);
    }
    return {
      kind: 'numeric',
      name,
      operator: operator as NumericCondition['operator'],
      value: Number(value),
    };
  }
  // `rule.level>=high` or `rule.level>=1e3`: a comparison whose right side is no number.
  const comparison = COMPARISON.exec(text);
  if (comparison) {
    throw new InvalidMatcherError(
      text,
      `'${comparison[2] ?? ''}' compares numbers: write a whole or decimal number such as ${comparison[1] ?? 'rule.level'}${comparison[2] ?? '>='}10`,
    );
  }
  return { kind: 'matcher', matcher: parseMatcher(text) };
}

/** The condition as an operator would write it, for explanations. */
export function formatRouteCondition(condition: RouteCondition): string {
  return condition.kind === 'numeric'
    ? `${condition.name}${condition.operator}${condition.value}`
    : formatMatcher(condition.matcher);
}

/** A route's `matchers:` entry in the config file: text, or the shared matcher object form. */
export const RouteConditionSchema = z
  .union([z.string(), MatcherObject])
  .transform((input, ctx): RouteCondition => {
    try {
      return typeof input === 'string'
        ? parseRouteCondition(input)
        : { kind: 'matcher', matcher: matcherFromObject(input) };
    } catch (err) {
      if (!isInvalidMatcherError(err)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });

/**
 * Whether the subject satisfies the condition, and the values it looked at (for explanations).
 * A numeric comparison holds when any value of the field is a number that satisfies it; a
 * missing or non-numeric field never does.
 */
export function evaluateCondition(
  condition: RouteCondition,
  subject: MatchSubject,
): { matched: boolean; values: string[] } {
  const name = condition.kind === 'numeric' ? condition.name : condition.matcher.name;
  const values = fieldValues(subject, name);
  if (condition.kind === 'matcher') {
    return { matched: matches(condition.matcher, subject), values };
  }
  const compare = COMPARE[condition.operator];
  const matched = values.some(
    (value) =>
      value.trim() !== '' &&
      Number.isFinite(Number(value)) &&
      compare(Number(value), condition.value),
  );
  return { matched, values };
}
