// Alert data is loosely typed: the JSON decoder yields strings, some modules numbers,
// arrays or nested objects, and nested alerts carry stringified scalars (corpus line 20).
// These helpers read a value without trusting its type, so no explanation throws on a
// surprising shape.

/** The value as a plain object, or undefined when it is anything else. */
export function record(value: unknown): Record<string, unknown> | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  return undefined;
}

/** Walks nested objects by key; undefined as soon as a step is not an object. */
export function at(value: unknown, ...path: string[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    const object = record(current);
    if (!object) {
      return undefined;
    }
    current = object[key];
  }
  return current;
}

/**
 * A scalar as a non-empty string: strings as they are (trimmed), finite numbers and
 * booleans in their usual spelling. Arrays, objects and blank strings give undefined.
 */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  return undefined;
}

/** A number, or a string holding only a decimal number; anything else gives undefined. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : undefined;
  }
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) {
    return Number(value);
  }
  return undefined;
}

/** A list of scalars as strings; a single scalar becomes a list of one. */
export function strList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map(str).filter((item): item is string => item !== undefined);
}

/** The first of the values that reads as a string (see {@link str}). */
export function firstStr(...values: unknown[]): string | undefined {
  for (const value of values) {
    const text = str(value);
    if (text !== undefined) {
      return text;
    }
  }
  return undefined;
}
