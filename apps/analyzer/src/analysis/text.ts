// Everything an alert carries may have been written by an attacker: a user name, a URL,
// a log line, even an agent name. Explanations therefore show such values either as a
// bare token (no spaces, so it cannot form a sentence) or inside quotes, always on one
// line, stripped of invisible characters and cut to a readable length.

const ELLIPSIS = '…';

/** Characters that make text invisible, reorder it (bidi overrides) or break lines. */
const INVISIBLE = /\p{Cf}/gu;
const CONTROL_OR_SPACE = /[\p{Cc}\p{Z}\s]+/gu;

/** A token that cannot read as a sentence: letters, digits and a few separators. */
const SAFE_TOKEN = /^[\p{L}\p{N}._:@/\\+~#$-]+$/u;

/** One line of visible text: control characters and runs of spaces become one space. */
export function oneLine(value: string): string {
  return value.replace(INVISIBLE, '').replace(CONTROL_OR_SPACE, ' ').trim();
}

/** {@link oneLine}, cut to at most `max` characters (the ellipsis included). */
export function clip(value: string, max: number): string {
  const chars = Array.from(oneLine(value));
  if (chars.length <= max) {
    return chars.join('');
  }
  return `${chars
    .slice(0, Math.max(0, max - 1))
    .join('')
    .trimEnd()}${ELLIPSIS}`;
}

/**
 * The value as quoted data: one line, cut to `max`, with its own double quotes turned
 * into single ones so it cannot close the quote and continue as Herald's text.
 */
export function quote(value: string, max = 120): string {
  return `"${clip(value.replaceAll('"', "'"), max)}"`;
}

/**
 * {@link quote} for a statement that Herald's own sentence continues after: a trailing
 * full stop inside the quote would read as a double stop.
 */
export function quoteStatement(value: string, max = 120): string {
  return quote(value.replace(/[.\s]+$/u, ''), max);
}

/** A name or address shown bare when it is a single safe token, else quoted. */
export function token(value: string, max = 64): string {
  const line = oneLine(value);
  if (line !== '' && SAFE_TOKEN.test(line) && Array.from(line).length <= max) {
    return line;
  }
  return quote(line, max);
}

/** Joins the present parts with a space: a paragraph from optional sentences. */
export function sentences(...parts: (string | undefined | false)[]): string {
  return parts.filter((part): part is string => typeof part === 'string' && part !== '').join(' ');
}

/** The text with its first letter upper-cased, to start a sentence with a phrase. */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) {
    return items[0] ?? '';
  }
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "1 time", "8 times": a count with its noun. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
