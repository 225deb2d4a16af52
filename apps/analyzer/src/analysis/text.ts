// Everything an alert carries may have been written by an attacker: a user name, a URL,
// a log line, even an agent name. Explanations therefore show such values either as a
// bare token (no spaces, so it cannot form a sentence) or inside quotes, always on one
// line, stripped of invisible characters and cut to a readable length.

const ELLIPSIS = '…';

/** Characters that make text invisible, reorder it (bidi overrides) or break lines. */
const INVISIBLE = /\p{Cf}/gu;
const CONTROL_OR_SPACE = /[\p{Cc}\p{Z}\s]+/gu;

/** What a statement may end with: full stops and whitespace (all of it in the BMP). */
const TRAILING_STOP = /[.\s]/u;

/** A token that cannot read as a sentence: letters, digits and a few separators. */
const SAFE_TOKEN = /^[\p{L}\p{N}._:@/\\+~#$-]+$/u;

/**
 * Code units read beyond two per wanted character (an astral character takes two) before
 * the first try: room for a few invisible characters and collapsed spaces.
 */
const PREFIX_SLACK_UNITS = 32;
/** How much longer each further try reads than the one before. */
const PREFIX_GROWTH = 4;

/** One line of visible text: control characters and runs of spaces become one space. */
export function oneLine(value: string): string {
  return value.replace(INVISIBLE, '').replace(CONTROL_OR_SPACE, ' ').trim();
}

/** A line of visible text and its length in characters (code points, as `Array.from` counts). */
interface VisibleLine {
  readonly text: string;
  readonly chars: number;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Code units of the code point at `index`: 2 for a whole surrogate pair, else 1. */
function unitsAt(text: string, index: number): number {
  return isHighSurrogate(text.charCodeAt(index)) && isLowSurrogate(text.charCodeAt(index + 1))
    ? 2
    : 1;
}

// Counting and cutting by walking code units rather than through Array.from: the array of
// one string per character cost more than the two regular expressions of oneLine.
function countChars(text: string): number {
  let chars = 0;
  for (let index = 0; index < text.length; index += unitsAt(text, index)) {
    chars += 1;
  }
  return chars;
}

/** The text's first `chars` characters (all of it when it has fewer). */
function firstChars(text: string, chars: number): string {
  let index = 0;
  for (let taken = 0; taken < chars && index < text.length; taken += 1) {
    index += unitsAt(text, index);
  }
  return text.slice(0, index);
}

function lineOf(value: string): VisibleLine {
  const text = oneLine(value);
  return { text, chars: countChars(text) };
}

/**
 * {@link oneLine}(value) when it has at most `max` characters; otherwise a line of more than
 * `max` characters that starts it. Alert fields run to kilobytes and are shown cut to a few
 * hundred characters, so a prefix of the value is read first and the whole only when the
 * prefix does not settle it (an attacker's padding of zero-width or space characters).
 *
 * Why the prefix's line starts the whole's line: the cut never splits a surrogate pair (it
 * steps back before a high surrogate), so the prefix holds the value's first code points;
 * invisible characters go one code point at a time; a run of spaces straddling the cut becomes
 * one space in both, and trimming it off the prefix's end leaves a shorter start of the same
 * line; the leading trim is the same. So when the prefix's line has more than `max`
 * characters, so has the whole's, and their first `max` characters, all a cut keeps, agree.
 */
function visibleLine(value: string, max: number): VisibleLine {
  let end = 2 * max + PREFIX_SLACK_UNITS;
  // Prefixes stop at half the value, where reading the whole instead costs little more: so
  // padding costs at most 1 + 2/3 whole reads (the prefixes add up to 2/3 of the value).
  // A NaN `max` fails this test too, and so reads the whole value.
  while (end <= value.length / 2) {
    const cut = isHighSurrogate(value.charCodeAt(end - 1)) ? end - 1 : end;
    const line = lineOf(value.slice(0, cut));
    if (line.chars > max) {
      return line;
    }
    end *= PREFIX_GROWTH;
  }
  return lineOf(value);
}

/** The line, cut to `max` characters with the ellipsis when it is longer. */
function fitted(line: VisibleLine, max: number): string {
  if (line.chars <= max) {
    return line.text;
  }
  // Math.trunc reads a fractional or NaN `max` the way Array.prototype.slice did here.
  return `${firstChars(line.text, Math.trunc(Math.max(0, max - 1))).trimEnd()}${ELLIPSIS}`;
}

/** The value without the full stops and whitespace it ends with. */
function withoutTrailingStops(value: string): string {
  // A loop from the end rather than /[.\s]+$/: that regex retries from every position of a
  // long run of stops and spaces that is not at the end, quadratic in the run's length.
  let end = value.length;
  while (end > 0 && TRAILING_STOP.test(value.charAt(end - 1))) {
    end -= 1;
  }
  return value.slice(0, end);
}

/** {@link oneLine}, cut to at most `max` characters (the ellipsis included). */
export function clip(value: string, max: number): string {
  return fitted(visibleLine(value, max), max);
}

/**
 * The value as quoted data: one line, cut to `max`, with its own double quotes turned
 * into single ones so it cannot close the quote and continue as Herald's text.
 */
export function quote(value: string, max = 120): string {
  // Replacing after the cut gives the same text as before it, for less: either quote is one
  // visible character, so the swap moves no cut or trim.
  return `"${clip(value, max).replaceAll('"', "'")}"`;
}

/**
 * {@link quote} for a statement that Herald's own sentence continues after: a trailing
 * full stop inside the quote would read as a double stop.
 */
export function quoteStatement(value: string, max = 120): string {
  return quote(withoutTrailingStops(value), max);
}

/** A name or address shown bare when it is a single safe token, else quoted. */
export function token(value: string, max = 64): string {
  const line = visibleLine(value, max);
  if (line.chars <= max && line.text !== '' && SAFE_TOKEN.test(line.text)) {
    return line.text;
  }
  return `"${fitted(line, max).replaceAll('"', "'")}"`;
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
