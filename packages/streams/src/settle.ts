import type { Redis } from 'ioredis';
import { encodeMessage, type WorkMessage } from './message.ts';

/** An entry handed to the batch handler. */
export interface ConsumedEntry {
  entryId: string;
  message: WorkMessage;
  /**
   * How many times the group has delivered this entry, this delivery included: 1 for a
   * fresh read, the XPENDING counter for backlog and reclaimed entries. The caller
   * dead-letters once it passes its limit.
   */
  deliveries: number;
}

/**
 * What the handler decided for one entry. `ack`: its result is committed. `retry`: leave
 * it pending; reclaim delivers it again after `reclaimIdleMs`. `dead-letter`: copy it to
 * the dead-letter stream with `reason` and acknowledge it.
 */
export type EntryOutcome =
  { kind: 'ack' } | { kind: 'retry' } | { kind: 'dead-letter'; reason: string };

/** Handles one batch and answers one outcome per entry, in the same order. */
export type BatchHandler = (batch: ConsumedEntry[]) => Promise<EntryOutcome[]>;

/** The keys and group a batch is settled against. */
export interface SettleTarget {
  stream: string;
  group: string;
  deadLetterStream: string;
}

/** Fields a dead-letter entry carries besides the original message fields. */
export const DEAD_LETTER_FIELDS = ['reason', 'source_entry', 'deliveries'] as const;

// XADD before XACK, in one script: a failing XADD (a wrong-typed key, say) raises and
// the script stops before the XACK, and no crash can fall between the two. Both
// keys share a hash tag, so this also runs on Redis Cluster.
const DEAD_LETTER_SCRIPT = `
local deadLetterId = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return deadLetterId
`;

/** A description of what is wrong with `outcomes`, or undefined when they fit `count`. */
export function outcomeProblem(outcomes: unknown, count: number): string | undefined {
  if (!Array.isArray(outcomes)) return `handler must resolve to an array, got ${typeof outcomes}`;
  if (outcomes.length !== count) {
    return `handler must return one outcome per entry (${count}), got ${outcomes.length}`;
  }
  for (const outcome of outcomes as unknown[]) {
    const kind = (outcome as { kind?: unknown } | null)?.kind;
    if (kind === 'ack' || kind === 'retry') continue;
    if (kind === 'dead-letter' && typeof (outcome as { reason?: unknown }).reason === 'string') {
      continue;
    }
    return `unknown outcome ${JSON.stringify(outcome)}`;
  }
  return undefined;
}

export interface SettleResult {
  acked: string[];
  deadLettered: { entryId: string; reason: string; deadLetterId: string }[];
  /** Entries whose ack or dead-lettering failed; they stay pending. */
  failed: { entryIds: string[]; err: unknown }[];
}

/**
 * Applies checked outcomes in one pipelined round trip: one dead-letter script per
 * dead-lettered entry and a single XACK for all acknowledged ones. Rejects only when the
 * round trip itself fails; per-command failures are listed in the result.
 */
export async function settleBatch(
  redis: Redis,
  target: SettleTarget,
  entries: readonly ConsumedEntry[],
  outcomes: readonly EntryOutcome[],
): Promise<SettleResult> {
  const ackIds: string[] = [];
  const deadLetters: { entry: ConsumedEntry; reason: string }[] = [];
  entries.forEach((entry, index) => {
    const outcome = outcomes[index]!;
    switch (outcome.kind) {
      case 'ack':
        ackIds.push(entry.entryId);
        break;
      case 'retry':
        break;
      case 'dead-letter':
        deadLetters.push({ entry, reason: outcome.reason });
        break;
      default: {
        const unknown: never = outcome;
        throw new TypeError(`unknown outcome ${JSON.stringify(unknown)}`);
      }
    }
  });
  const result: SettleResult = { acked: [], deadLettered: [], failed: [] };
  if (ackIds.length === 0 && deadLetters.length === 0) return result;

  const pipeline = redis.pipeline();
  for (const { entry, reason } of deadLetters) {
    pipeline.eval(
      DEAD_LETTER_SCRIPT,
      2,
      target.stream,
      target.deadLetterStream,
      target.group,
      entry.entryId,
      ...encodeMessage(entry.message),
      'reason',
      reason,
      'source_entry',
      entry.entryId,
      'deliveries',
      String(entry.deliveries),
    );
  }
  if (ackIds.length > 0) pipeline.xack(target.stream, target.group, ...ackIds);
  const replies = (await pipeline.exec()) ?? [];

  deadLetters.forEach(({ entry, reason }, index) => {
    const [err, deadLetterId] = replies[index] ?? [new Error('no reply')];
    if (err) {
      result.failed.push({ entryIds: [entry.entryId], err });
    } else {
      result.deadLettered.push({
        entryId: entry.entryId,
        reason,
        deadLetterId: String(deadLetterId),
      });
    }
  });
  if (ackIds.length > 0) {
    const [err] = replies[deadLetters.length] ?? [new Error('no reply')];
    if (err) result.failed.push({ entryIds: ackIds, err });
    else result.acked.push(...ackIds);
  }
  return result;
}
