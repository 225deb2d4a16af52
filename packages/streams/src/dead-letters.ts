import type { Redis } from 'ioredis';
import { decodeMessage, type WorkMessage } from './message.ts';
import { parseEntries } from './replies.ts';
import { hashTag } from './options.ts';
import { DEAD_LETTER_FIELDS } from './settle.ts';

/** One entry of a dead-letter stream, as an operator sees it. */
export interface DeadLetterEntry {
  /** Id in the dead-letter stream (its time part is when it was dead-lettered). */
  entryId: string;
  /** The original message; undefined if the entry was written by something else. */
  message: WorkMessage | undefined;
  reason: string | undefined;
  /** The entry's id in the source stream. */
  sourceEntry: string | undefined;
  /** Deliveries the entry had when it was dead-lettered. */
  deliveries: number | undefined;
}

/** Operator access to one dead-letter stream. */
export interface DeadLetters {
  /** Up to `count` entries, oldest first, after the id `after` (exclusive) when given. */
  list(options?: { after?: string; count?: number }): Promise<DeadLetterEntry[]>;
  /** How many entries wait in the dead-letter stream. */
  length(): Promise<number>;
  /**
   * Moves entries back to the source stream: each is re-added with its original message
   * fields and deleted from the dead-letter stream in one atomic step, so an entry is
   * never in both or neither, and two operators cannot requeue it twice. Ids that are no
   * longer there are skipped. Returns the new source ids by dead-letter id.
   */
  requeue(entryIds: readonly string[]): Promise<{ entryId: string; requeuedAs: string }[]>;
}

// Drops the dead-letter bookkeeping fields and keeps every other field, so a message
// field added later survives a round trip through the dead-letter stream.
const REQUEUE_SCRIPT = `
local moved = {}
for _, id in ipairs(ARGV) do
  local found = redis.call('XRANGE', KEYS[1], id, id)
  if #found == 1 then
    local fields = found[1][2]
    local keep = {}
    for i = 1, #fields, 2 do
      local name = fields[i]
      if ${DEAD_LETTER_FIELDS.map((field) => `name ~= '${field}'`).join(' and ')} then
        keep[#keep + 1] = name
        keep[#keep + 1] = fields[i + 1]
      end
    end
    if #keep > 0 then
      local newId = redis.call('XADD', KEYS[2], '*', unpack(keep))
      redis.call('XDEL', KEYS[1], id)
      moved[#moved + 1] = { id, newId }
    end
  end
end
return moved
`;

function fieldMap(fields: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  return map;
}

/**
 * Lists and requeues the entries of `deadLetterStream`, whose source is `stream`. Both
 * keys must share a hash tag (as keys.ts builds them) so requeueing is one script.
 */
export function deadLetters(
  redis: Redis,
  { stream, deadLetterStream }: { stream: string; deadLetterStream: string },
): DeadLetters {
  if (hashTag(stream) !== hashTag(deadLetterStream)) {
    throw new RangeError(
      `deadLetterStream must share the hash tag of ${stream}, got ${deadLetterStream}`,
    );
  }
  return {
    async list({ after, count = 100 } = {}) {
      if (!Number.isInteger(count) || count < 1) {
        throw new RangeError(`count must be an integer >= 1, got ${count}`);
      }
      const start = after === undefined ? '-' : `(${after}`;
      const reply = await redis.xrange(deadLetterStream, start, '+', 'COUNT', count);
      return parseEntries(reply).map(({ entryId, fields }) => {
        const map = fieldMap(fields ?? []);
        const deliveries = Number(map.get('deliveries'));
        return {
          entryId,
          message: decodeMessage(fields),
          reason: map.get('reason'),
          sourceEntry: map.get('source_entry'),
          deliveries: Number.isInteger(deliveries) ? deliveries : undefined,
        };
      });
    },

    length() {
      return redis.xlen(deadLetterStream);
    },

    async requeue(entryIds) {
      if (entryIds.length === 0) return [];
      const reply = await redis.eval(REQUEUE_SCRIPT, 2, deadLetterStream, stream, ...entryIds);
      if (!Array.isArray(reply)) return [];
      return reply
        .filter((pair): pair is unknown[] => Array.isArray(pair))
        .map(([entryId, requeuedAs]) => ({
          entryId: String(entryId),
          requeuedAs: String(requeuedAs),
        }));
    },
  };
}
