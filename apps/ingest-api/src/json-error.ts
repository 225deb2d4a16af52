// V8 names the position of most JSON syntax errors ("... in JSON at position 12 (line 1
// column 13)") but not of an unexpected token, where it quotes a few characters around it
// instead. A client fixing a 10 MiB body needs the position, so on that path (and only
// there: valid bodies never come here) the text is scanned again to find it.

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9a-fA-F]{4}$/;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'];

/** Reads a string starting at its opening quote; returns the offset after it, or -(error offset) - 1. */
function scanString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      return i + 1;
    }
    if (ch < ' ') {
      return -i - 1;
    }
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === 'u') {
        if (!HEX4.test(text.slice(i + 2, i + 6))) {
          return -i - 1;
        }
        i += 6;
        continue;
      }
      if (next === undefined || !SIMPLE_ESCAPES.has(next)) {
        return -i - 1;
      }
      i += 2;
      continue;
    }
    i += 1;
  }
  return -text.length - 1;
}

/** Reads a number or literal at `start`; returns the offset after it, or -(error offset) - 1. */
function scanScalar(text: string, start: number): number {
  const ch = text[start];
  if (ch === '"') {
    return scanString(text, start);
  }
  if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) {
    NUMBER.lastIndex = start;
    return NUMBER.test(text) ? NUMBER.lastIndex : -start - 1;
  }
  const literal = LITERALS.find((word) => text.startsWith(word, start));
  return literal ? start + literal.length : -start - 1;
}

/**
 * The offset (in UTF-16 code units, as V8 counts) of the first character at which `text`
 * stops being JSON (RFC 8259), or undefined when it is valid. Iterative, so nesting depth
 * cannot exhaust the stack.
 */
export function jsonErrorOffset(text: string): number | undefined {
  const open: ('}' | ']')[] = [];
  let i = 0;
  const skipWhitespace = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i += 1;
  };
  // After `{` or `,` in an object: a key and a colon, leaving `i` where the value starts.
  const scanKey = (): boolean => {
    skipWhitespace();
    if (text[i] !== '"') return false;
    const end = scanString(text, i);
    if (end < 0) {
      i = -end - 1;
      return false;
    }
    i = end;
    skipWhitespace();
    if (text[i] !== ':') return false;
    i += 1;
    return true;
  };

  let expectValue = true;
  for (;;) {
    skipWhitespace();
    if (expectValue) {
      const ch = text[i];
      if (ch === '{' || ch === '[') {
        i += 1;
        skipWhitespace();
        const close = ch === '{' ? '}' : ']';
        if (text[i] === close) {
          i += 1;
          expectValue = false;
          continue;
        }
        open.push(close);
        if (close === '}' && !scanKey()) return i;
        continue;
      }
      const end = scanScalar(text, i);
      if (end < 0) return -end - 1;
      i = end;
      expectValue = false;
      continue;
    }

    const close = open.at(-1);
    if (close === undefined) {
      return i === text.length ? undefined : i;
    }
    if (text[i] === close) {
      open.pop();
      i += 1;
    } else if (text[i] === ',') {
      i += 1;
      if (close === '}' && !scanKey()) return i;
      expectValue = true;
    } else {
      return i;
    }
  }
}

/** Where a JSON text went wrong: offset (UTF-16 code units), and 1-based line and column. */
export interface JsonErrorLocation {
  offset: number;
  line: number;
  column: number;
}

// How V8 appends the position when it knows it.
const V8_POSITION = /(?: in JSON)? at position (\d+)(?: \(line \d+ column \d+\))?/;

/**
 * Explains a JSON.parse failure of `text`: V8's reason without its own position suffix,
 * and where the text went wrong (from V8's message, else found by scanning the text).
 */
export function locateJsonError(
  text: string,
  err: unknown,
): { reason: string; at?: JsonErrorLocation } {
  const message = err instanceof Error ? err.message : String(err);
  const v8 = V8_POSITION.exec(message);
  const offset = v8 ? Number(v8[1]) : jsonErrorOffset(text);
  const reason = message.replace(V8_POSITION, '');
  if (offset === undefined) {
    return { reason };
  }
  const line = text.slice(0, offset).split('\n').length;
  const column = offset - text.lastIndexOf('\n', offset - 1);
  return { reason, at: { offset, line, column } };
}
