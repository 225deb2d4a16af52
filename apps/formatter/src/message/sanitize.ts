// Alert text is attacker-controlled: a log line can carry CR/LF, NUL, terminal escapes,
// bidi overrides that make text read differently from what it is, lone surrogates that
// some encoders reject, and megabytes of payload. Every alert-derived string passes
// through one of these functions before it reaches a subject, header or body.

/** Shown where a value was cut, so a reader knows there is more in the alert. */
export const TRUNCATION_MARKER = '… (truncated)';

const REPLACEMENT_CHARACTER = '\uFFFD';

/** C0/C1 controls except tab and newline, plus DEL. */
const BODY_CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/gu;

/** Bidi embeddings, overrides, isolates and marks: they can disguise what text says. */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/** Line breaks in every spelling (CRLF, lone CR, NEL, LS, PS). */
const LINE_BREAKS = /\r\n|[\r\u0085\u2028\u2029]/gu;

/** Any character that cleanText replaces or drops: the three sets above, NUL included. */
const BODY_UNCLEAN =
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2028\u2029\u2066-\u2069]/u;

/** Any control, format (Cf: bidi, zero-width, BOM) or line/paragraph separator. */
const ONE_LINE_STRIP = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** Replaces NUL and lone surrogates, which mail encoders and clients handle badly. */
function replaceInvalid(value: string): string {
  return value.replaceAll('\u0000', REPLACEMENT_CHARACTER).toWellFormed();
}

/**
 * Body text: keeps tabs and line breaks (normalised to `\n`), replaces NUL and lone
 * surrogates with U+FFFD, drops every other control character and bidi control.
 */
export function cleanText(value: string): string {
  // Most text has nothing to clean: one scan that finds so is cheaper than four rewrites.
  if (!BODY_UNCLEAN.test(value) && value.isWellFormed()) {
    return value;
  }
  return replaceInvalid(value)
    .replace(LINE_BREAKS, '\n')
    .replace(BODY_CONTROLS, '')
    .replace(BIDI_CONTROLS, '');
}

/**
 * One line of text for a subject or header: no control, format or line-separator
 * character survives, whitespace runs become one space, ends are trimmed.
 */
export function oneLine(value: string): string {
  return replaceInvalid(value)
    .replace(/[\t\n\r\v\f\u0085\u2028\u2029]/gu, ' ')
    .replace(ONE_LINE_STRIP, '')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * Cuts `value` to at most `maxChars` code points (never inside a surrogate pair) and
 * appends `marker` when it cut anything. The marker does not count against the limit.
 */
export function capText(value: string, maxChars: number, marker = TRUNCATION_MARKER): string {
  let count = 0;
  for (let index = 0; index < value.length;) {
    if (count === maxChars) {
      return value.slice(0, index).trimEnd() + marker;
    }
    const codePoint = value.codePointAt(index) ?? 0;
    index += codePoint > 0xffff ? 2 : 1;
    count += 1;
  }
  return value;
}

/** Body text cleaned and capped with the visible truncation marker. */
export function bodyText(value: string, maxChars: number): string {
  return capText(cleanText(value), maxChars);
}

/** One cleaned line, capped with the visible truncation marker. */
export function shortLine(value: string, maxChars: number): string {
  return capText(oneLine(value), maxChars);
}

/**
 * A header value Herald sets: one line of printable ASCII (anything else becomes `?`),
 * capped, never empty, so mail filters can match it and no header can be injected.
 */
export function headerValue(value: string, maxChars = 128): string {
  const printable = oneLine(value).replace(/[^\x20-\x7E]/gu, '?');
  const capped = capText(printable, maxChars, '...');
  return capped === '' ? '-' : capped;
}
