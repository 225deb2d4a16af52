/**
 * Parsers for the stream replies the consumer reads. They take `unknown` because the
 * shape depends on the client's protocol (RESP2 arrays, or RESP3 maps when the caller's
 * client maps them to objects) and because an entry trimmed while pending comes back
 * with nil fields: nothing here may throw on a reply Redis can legally send.
 */

/** One stream entry as Redis returned it; `fields` is null when its data is gone. */
export interface RawEntry {
  entryId: string;
  fields: string[] | null;
}

/** Entries of an XRANGE-shaped list; skips anything that is not an `[id, fields]` pair. */
export function parseEntries(entries: unknown): RawEntry[] {
  if (!Array.isArray(entries)) return [];
  const parsed: RawEntry[] = [];
  for (const item of entries) {
    if (!Array.isArray(item) || item[0] === null || item[0] === undefined) continue;
    const fields = Array.isArray(item[1]) ? item[1].map(String) : null;
    parsed.push({ entryId: String(item[0]), fields });
  }
  return parsed;
}

/** Entries of `stream` in an XREADGROUP reply; empty for a nil (timed out) reply. */
export function parseReadReply(reply: unknown, stream: string): RawEntry[] {
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) {
    const match = reply.find((item) => Array.isArray(item) && String(item[0]) === stream);
    return parseEntries(Array.isArray(match) ? match[1] : undefined);
  }
  if (typeof reply === 'object') return parseEntries((reply as Record<string, unknown>)[stream]);
  return [];
}

/** An XAUTOCLAIM reply: the next cursor, the claimed entries, and vanished ids. */
export interface AutoClaimReply {
  cursor: string;
  entries: RawEntry[];
  /** Ids whose data was gone; Redis >= 7 removed them from the PEL already. */
  deleted: string[];
}

/**
 * Reads both reply forms: Redis 6.2 has two elements and shows a vanished entry as an id
 * with nil fields; Redis >= 7 adds a third element listing such ids instead.
 */
export function parseAutoClaimReply(reply: unknown): AutoClaimReply {
  if (!Array.isArray(reply)) return { cursor: '0-0', entries: [], deleted: [] };
  const deleted = Array.isArray(reply[2]) ? reply[2].map(String) : [];
  return { cursor: String(reply[0] ?? '0-0'), entries: parseEntries(reply[1]), deleted };
}

/** One row of the extended XPENDING form, or undefined when the id is not pending. */
export function parsePendingRow(
  reply: unknown,
): { entryId: string; consumer: string; deliveries: number } | undefined {
  if (!Array.isArray(reply) || !Array.isArray(reply[0])) return undefined;
  const [entryId, consumer, , deliveries] = reply[0] as unknown[];
  const count = Number(deliveries);
  if (entryId === undefined || !Number.isInteger(count)) return undefined;
  return { entryId: String(entryId), consumer: String(consumer), deliveries: count };
}
