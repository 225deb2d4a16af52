import type { Redis } from 'ioredis';
import { decodeMessage, type WorkMessage } from './message.ts';
import { parsePendingRow, type RawEntry } from './replies.ts';
import type { ConsumedEntry } from './settle.ts';

/** An entry whose fields decoded to a message. */
export interface DecodedEntry {
  entryId: string;
  message: WorkMessage;
}

/** An entry the handler never sees: its data is gone or is not a Herald message. */
export interface LostEntry {
  entryId: string;
  reason: 'deleted' | 'undecodable';
}

/** Splits what a read or claim returned into messages and lost entries. */
export function sortEntries(raw: readonly RawEntry[]): {
  decoded: DecodedEntry[];
  lost: LostEntry[];
} {
  const decoded: DecodedEntry[] = [];
  const lost: LostEntry[] = [];
  for (const { entryId, fields } of raw) {
    const message = decodeMessage(fields);
    if (message) decoded.push({ entryId, message });
    else lost.push({ entryId, reason: fields === null ? 'deleted' : 'undecodable' });
  }
  return { decoded, lost };
}

/**
 * Adds each entry's delivery counter from XPENDING, in one pipelined round trip. Leaves
 * out entries no longer pending on `consumer`: one another consumer claimed meanwhile is
 * not ours to handle. Rejects if any XPENDING failed; the entries then stay pending and
 * come back through reclaim.
 */
export async function withDeliveries(
  redis: Redis,
  { stream, group, consumer }: { stream: string; group: string; consumer: string },
  entries: readonly DecodedEntry[],
): Promise<ConsumedEntry[]> {
  const pipeline = redis.pipeline();
  for (const { entryId } of entries) pipeline.xpending(stream, group, entryId, entryId, 1);
  const replies = (await pipeline.exec()) ?? [];
  const batch: ConsumedEntry[] = [];
  entries.forEach((entry, index) => {
    const [err, reply] = replies[index] ?? [new Error('no XPENDING reply'), undefined];
    if (err) throw err;
    const row = parsePendingRow(reply);
    if (row?.consumer === consumer) batch.push({ ...entry, deliveries: row.deliveries });
  });
  return batch;
}
