import type { AlertFieldError } from '@herald/wazuh';

/**
 * How deep an alert may nest. Real Wazuh alerts stay under ten levels (an active-response
 * alert carries its triggering alert under data.parameters.alert); JSON.stringify and the
 * identity hash recurse, and a body of 10 MiB of `[` would exhaust the stack.
 */
export const MAX_ALERT_DEPTH = 64;

/**
 * How many values (strings, numbers, booleans, nulls, objects, arrays) one alert may hold.
 * Wazuh's own alerts hold tens to hundreds. Validation copies objects key by key, so under
 * the services' capped heap one 10 MB alert of 850,000 keys ended the process; an alert
 * past this bound is refused (by findUnstorable, before validation) before anything copies it.
 */
export const MAX_ALERT_VALUES = 100_000;

/** The field name of `path`, as the rejection names it. */
function fieldOf(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(alert)' : path.join('.');
}

function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) {
    return 'contains a NUL character (\\u0000), which PostgreSQL cannot store';
  }
  if (!text.isWellFormed()) {
    return 'contains an unpaired UTF-16 surrogate, which PostgreSQL cannot store';
  }
  return undefined;
}

/**
 * Finds something in a parsed alert that would make the whole batch's insert fail,
 * or be silently lost: NUL characters and unpaired surrogates (jsonb refuses both),
 * `__proto__` keys (dropped when the alert is validated), nesting past MAX_ALERT_DEPTH,
 * and more than MAX_ALERT_VALUES values, counted as the walk goes and without copying, so
 * ingest runs it before validation. Such an alert is rejected on its own instead of
 * failing its batch.
 *
 * Recursive, and the depth check comes before the descent, so the walk itself never goes
 * deeper than MAX_ALERT_DEPTH. It holds only the path it is on: a field's name is built
 * when it is reported. Holding a name and a stack entry for every value waiting to be
 * visited made one alert of 9 MB (an array of 4.5 million numbers) cost several hundred MB,
 * and under the services' capped heap it ended the process.
 */
export function findUnstorable(value: unknown): AlertFieldError | undefined {
  return walk(value, [], { left: MAX_ALERT_VALUES });
}

const OVERSIZED: AlertFieldError = {
  field: '(alert)',
  message: `holds more than ${MAX_ALERT_VALUES} values; a Wazuh alert holds hundreds`,
};

function walk(
  value: unknown,
  path: (string | number)[],
  budget: { left: number },
): AlertFieldError | undefined {
  budget.left -= 1;
  if (budget.left < 0) return OVERSIZED;
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    return problem ? { field: fieldOf(path), message: problem } : undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  if (path.length >= MAX_ALERT_DEPTH) {
    return { field: fieldOf(path), message: `nests deeper than ${MAX_ALERT_DEPTH} levels` };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const found = walk(value[i], path, budget);
      path.pop();
      if (found) return found;
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const keyProblem =
      key === '__proto__' ? 'is a key named __proto__, which is not accepted' : unstorableText(key);
    if (keyProblem) {
      return { field: fieldOf([...path, key.replace(/\u0000/g, '\\u0000')]), message: keyProblem };
    }
    path.push(key);
    const found = walk(record[key], path, budget);
    path.pop();
    if (found) return found;
  }
  return undefined;
}
