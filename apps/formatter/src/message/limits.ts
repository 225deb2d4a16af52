// Each channel rejects messages past its own size limits (Slack: 3,000 characters a block
// text, 50 blocks; Teams: about 28 KB a card; PagerDuty: 512 KB an event, 1,024 characters
// a summary). Herald cuts before the provider does, and says where it cut and why.

/** The note put where text was cut: what limit cut it, so the reader knows more exists. */
export function truncationNote(limit: string): string {
  return `… (truncated: ${limit}; the full alert is in Herald)`;
}

/** Length in code points, which is how providers count characters. */
export function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) {
    count += 1;
  }
  return count;
}

/** The first `maxChars` code points of `value` (never half a surrogate pair). */
function headOf(value: string, maxChars: number): string {
  let count = 0;
  let index = 0;
  while (index < value.length && count < maxChars) {
    index += (value.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
    count += 1;
  }
  return value.slice(0, index);
}

/**
 * `value` cut to at most `maxChars` code points, the note included, preferring a line break
 * near the cut; unchanged when it fits.
 */
export function cutText(value: string, maxChars: number, limit: string): string {
  if (codePoints(value) <= maxChars) {
    return value;
  }
  const note = truncationNote(limit);
  const head = headOf(value, Math.max(0, maxChars - codePoints(note) - 1));
  const lineBreak = head.lastIndexOf('\n');
  const kept = lineBreak > head.length * 0.8 ? head.slice(0, lineBreak) : head;
  return `${kept.trimEnd()}\n${note}`;
}

/** Bytes of `value` as UTF-8 JSON, which is how providers measure payloads. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
