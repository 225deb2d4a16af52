/** What a template's output is written in, which decides how every value is escaped. */
export type EscapeTarget = 'html' | 'slack' | 'markdown' | 'text';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const HTML_SPECIAL = /[&<>"']/;
const HTML_SPECIALS = /[&<>"']/g;

/** HTML: the five characters that matter in text and in quoted attribute values. */
export function escapeHtml(value: string): string {
  // Most values have nothing to escape, and a test is twice as fast as a replace that
  // finds nothing to call back for (it runs for every value of every HTML email).
  return HTML_SPECIAL.test(value)
    ? value.replace(HTML_SPECIALS, (char) => HTML_ESCAPES[char] ?? char)
    : value;
}

/**
 * Slack mrkdwn: `&`, `<` and `>` are the only characters Slack asks senders to escape, and
 * escaping `<` is what makes `<!channel>`, `<@U123>` and `<http://x|y>` inert. A backtick
 * becomes U+02CB (ˋ), which looks the same, because mrkdwn has no escape for it and one
 * from an alert could open a code span or fence that swallows the rest of the text.
 */
export function escapeSlack(value: string): string {
  return value.replace(/[&<>`]/g, (char) => SLACK_ESCAPES[char] ?? char);
}

const SLACK_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '`': 'ˋ' };

/** Characters that start Markdown markup wherever they stand. */
const MARKDOWN_INLINE = /[\\`*_[\]<>~]/g;

/** Characters that start markup at the start of a line only: lists, headings, quotes. */
const MARKDOWN_LINE_START = /^([ \t]*)([-+#>]|\d+\.)/gm;

/**
 * Markdown as Teams renders it in an Adaptive Card TextBlock: every character that can
 * start markup is backslash-escaped (so `[x](http://y)`, `<at>` and `**` stay text; with
 * `[` escaped, `(` and `!` cannot form a link or image), list and heading marks at a line
 * start too, and a line break becomes a blank line, the only break a TextBlock shows.
 */
export function escapeMarkdown(value: string): string {
  return value
    .replace(MARKDOWN_INLINE, (char) => `\\${char}`)
    .replace(
      MARKDOWN_LINE_START,
      (_, indent: string, mark: string) => `${indent}${mark.replace(/[-+#>.]$/, '\\$&')}`,
    )
    .replace(/\n+/g, '\n\n');
}

/** A value as text: arrays joined with commas, nothing for objects or absent values. */
function stringify(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (Array.isArray(value)) {
    return value.map(stringify).join(', ');
  }
  if (typeof value === 'object') {
    return '';
  }
  return String(value);
}

const ESCAPERS: Record<EscapeTarget, (value: string) => string> = {
  html: escapeHtml,
  slack: escapeSlack,
  markdown: escapeMarkdown,
  // Plain text needs no escaping: its values were cleaned by the message view, and JSON
  // documents are built by the serializer around the text, never by a template.
  text: (value) => value,
};

/** The function applied to every `{{ value }}` a template outputs for `target`. */
export function escaperFor(target: EscapeTarget): (value: unknown) => string {
  const escape = ESCAPERS[target];
  return (value) => escape(stringify(value));
}
