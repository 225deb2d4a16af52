import type { AlertFieldError } from '@herald/wazuh';

/**
 * How deep an alert may nest. Real Wazuh alerts stay under ten levels (an active-response
 * alert carries its triggering alert under data.parameters.alert); JSON.stringify and the
 * identity hash recurse, and a body of 10 MiB of `[` would exhaust the stack.
 */
export const MAX_ALERT_DEPTH = 64;

function pathOf(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
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
 * `__proto__` keys (dropped when the alert is validated), and nesting past
 * MAX_ALERT_DEPTH. Such an alert is rejected on its own instead of failing its batch.
 * Walks iteratively, so the check itself cannot overflow the stack.
 */
export function findUnstorable(value: unknown): AlertFieldError | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];

  while (stack.length > 0) {
    const item = stack.pop()!;
    const field = item.path === '' ? '(alert)' : item.path;
    if (typeof item.value === 'string') {
      const problem = unstorableText(item.value);
      if (problem) {
        return { field, message: problem };
      }
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) {
      continue;
    }
    if (item.depth >= MAX_ALERT_DEPTH) {
      return { field, message: `nests deeper than ${MAX_ALERT_DEPTH} levels` };
    }

    const entries = Array.isArray(item.value)
      ? item.value.map((child, i): [string, unknown] => [String(i), child])
      : Object.entries(item.value);
    for (const [key, child] of entries) {
      const keyProblem =
        key === '__proto__'
          ? 'is a key named __proto__, which is not accepted'
          : unstorableText(key);
      if (keyProblem) {
        return { field: pathOf(item.path, key.replace(/\u0000/g, '\\u0000')), message: keyProblem };
      }
      stack.push({ value: child, path: pathOf(item.path, key), depth: item.depth + 1 });
    }
  }
  return undefined;
}
