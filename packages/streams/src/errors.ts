/**
 * Failures the consumer reports through `onError`. Each has a stable `code`, a marker
 * property for its guard (which survives duplicate package copies where `instanceof`
 * does not) and says whether trying again can help.
 */

/**
 * A blocking read did not settle within `blockMs + watchdogGraceMs` on a connection that
 * looked ready: the watchdog abandoned it and reconnected the read connection.
 */
export class ReadStalledError extends Error {
  readonly code = 'STREAMS_READ_STALLED';
  readonly isReadStalledError = true;
  readonly retryable = true;
  readonly waitedMs: number;

  constructor(stream: string, waitedMs: number) {
    super(`blocking read on ${stream} did not settle within ${waitedMs} ms`);
    this.name = 'ReadStalledError';
    this.waitedMs = waitedMs;
  }
}

/** Guard for {@link ReadStalledError}. */
export function isReadStalledError(err: unknown): err is ReadStalledError {
  return typeof err === 'object' && err !== null && 'isReadStalledError' in err;
}

/**
 * The consumer group (or the whole stream key) is gone: Redis was flushed, restarted
 * without persistence, or the key was evicted or deleted. The consumer recreates
 * the group and carries on; this error only reports that it happened.
 */
export class GroupMissingError extends Error {
  readonly code = 'STREAMS_GROUP_MISSING';
  readonly isGroupMissingError = true;
  readonly retryable = true;

  constructor(stream: string, group: string, options: { cause: unknown }) {
    super(`consumer group ${group} of ${stream} is missing`, options);
    this.name = 'GroupMissingError';
  }
}

/** Guard for {@link GroupMissingError}. */
export function isGroupMissingError(err: unknown): err is GroupMissingError {
  return typeof err === 'object' && err !== null && 'isGroupMissingError' in err;
}

/**
 * The batch handler threw or broke its contract (one outcome per entry, same order).
 * Every entry of the batch stays pending and is delivered again after `reclaimIdleMs`.
 */
export class HandlerFailedError extends Error {
  readonly code = 'STREAMS_HANDLER_FAILED';
  readonly isHandlerFailedError = true;
  readonly retryable = true;
  readonly entryIds: readonly string[];

  constructor(message: string, entryIds: readonly string[], options?: { cause: unknown }) {
    super(message, options);
    this.name = 'HandlerFailedError';
    this.entryIds = entryIds;
  }
}

/** Guard for {@link HandlerFailedError}. */
export function isHandlerFailedError(err: unknown): err is HandlerFailedError {
  return typeof err === 'object' && err !== null && 'isHandlerFailedError' in err;
}

/**
 * Acknowledging or dead-lettering entries failed after the handler resolved. The entries
 * stay pending and are delivered again (at-least-once), so handlers must be idempotent.
 */
export class SettleFailedError extends Error {
  readonly code = 'STREAMS_SETTLE_FAILED';
  readonly isSettleFailedError = true;
  readonly retryable = true;
  readonly entryIds: readonly string[];

  constructor(stream: string, entryIds: readonly string[], options: { cause: unknown }) {
    super(`settling ${entryIds.length} entries of ${stream} failed`, options);
    this.name = 'SettleFailedError';
    this.entryIds = entryIds;
  }
}

/** Guard for {@link SettleFailedError}. */
export function isSettleFailedError(err: unknown): err is SettleFailedError {
  return typeof err === 'object' && err !== null && 'isSettleFailedError' in err;
}

/** True for the replies Redis gives when the group or its stream key no longer exists. */
export function isGroupGoneReply(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // NOGROUP: the read or claim found no group. UNBLOCKED: the key was deleted while a
  // blocking XREADGROUP waited on it (Redis >= 7.0 wakes the reader with this error).
  return err.message.startsWith('NOGROUP') || err.message.startsWith('UNBLOCKED');
}
