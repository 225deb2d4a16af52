import type { Redis } from 'ioredis';
import { encodeMessage, type WorkMessage } from './message.ts';

/**
 * Appends messages to a stream in one pipelined round trip and returns their entry ids.
 * Rejects if any XADD failed (for example Redis out of memory under noeviction), so the
 * caller can tell its client the work was not handed on.
 */
export async function publish(
  redis: Redis,
  stream: string,
  messages: readonly WorkMessage[],
): Promise<string[]> {
  if (messages.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const message of messages) {
    pipeline.xadd(stream, '*', ...encodeMessage(message));
  }
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, id], index) => {
    if (err) {
      throw new Error(`XADD to ${stream} failed for alert ${messages[index]!.alertId}`, {
        cause: err,
      });
    }
    return String(id);
  });
}
