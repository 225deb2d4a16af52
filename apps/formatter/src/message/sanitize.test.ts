import { describe, expect, test } from 'vitest';
import { capText, cleanText, headerValue, oneLine, TRUNCATION_MARKER } from './sanitize.ts';

describe('cleanText', () => {
  test('keeps tabs and newlines, normalises CRLF, CR and separators to \\n', () => {
    expect(cleanText('a\tb\r\nc\rd\u2028e\u0085f')).toBe('a\tb\nc\nd\ne\nf');
  });

  test('drops C0/C1 controls, DEL and bidi controls', () => {
    expect(cleanText('x\u001b[31my\u007f\u0090z\u202Eevil\u2066')).toBe('x[31myzevil');
  });

  test('replaces NUL and lone surrogates with U+FFFD', () => {
    const cleaned = cleanText('a\u0000b\uD800c\uDC00d');
    expect(cleaned).toBe('a\uFFFDb\uFFFDc\uFFFDd');
    expect(cleaned.isWellFormed()).toBe(true);
  });

  test('keeps valid astral characters', () => {
    expect(cleanText('ok 🔥')).toBe('ok 🔥');
  });

  test('cleans every code unit that needs it, though clean text is returned as it is', () => {
    // The rules in full, without the shortcut that skips text needing none of them.
    const rules = (value: string): string =>
      value
        .replaceAll('\u0000', '\uFFFD')
        .toWellFormed()
        .replace(/\r\n|[\r\u0085\u2028\u2029]/gu, '\n')
        .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/gu, '')
        .replace(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu, '');
    const unlike: string[] = [];
    for (let unit = 0; unit <= 0xffff; unit += 1) {
      const value = `a${String.fromCharCode(unit)}b`;
      if (cleanText(value) !== rules(value)) unlike.push(unit.toString(16));
    }
    expect(unlike).toEqual([]);
  });
});

describe('oneLine', () => {
  test('turns every line break into one space and collapses whitespace', () => {
    expect(oneLine('  a\r\n\r\nBcc: x@example.com\u2028b\t\tc \u00A0 ')).toBe(
      'a Bcc: x@example.com b c',
    );
  });

  test('removes control and format characters', () => {
    expect(oneLine('a\u0007b\u200Bc\u202Ed\uFEFFe')).toBe('abcde');
  });

  test('replaces NUL and lone surrogates', () => {
    expect(oneLine('a\u0000b\uDFFF')).toBe('a\uFFFDb\uFFFD');
  });
});

describe('capText', () => {
  test('leaves short text alone', () => {
    expect(capText('short', 10)).toBe('short');
    expect(capText('exactly10!', 10)).toBe('exactly10!');
  });

  test('cuts at the limit and appends the visible marker', () => {
    expect(capText('abcdefghij', 4)).toBe(`abcd${TRUNCATION_MARKER}`);
  });

  test('counts code points and never splits a surrogate pair', () => {
    const capped = capText('😀😀😀', 2, '…');
    expect(capped).toBe('😀😀…');
    expect(capped.isWellFormed()).toBe(true);
  });
});

describe('headerValue', () => {
  test('is one line of printable ASCII, never empty', () => {
    expect(headerValue('5712\r\nBcc: x@example.com')).toBe('5712 Bcc: x@example.com');
    expect(headerValue('règle')).toBe('r?gle');
    expect(headerValue('\r\n')).toBe('-');
  });

  test('is capped', () => {
    expect(headerValue('x'.repeat(1000), 10)).toBe('xxxxxxxxxx...');
  });
});
