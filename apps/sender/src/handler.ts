import { isBrokenCircuitError } from '@herald/breaker';
import { RenderedMessageSchema, type RenderedMessage } from '@herald/contracts';
import type { AttemptResult, ClaimedAlert, Database } from '@herald/db';
import type { Logger } from '@herald/runtime';
import type { StageHandler } from '@herald/stage';
import {
  loadDeliveries,
  markAttemptFailed,
  markNotAttempted,
  markSending,
  type DeliveryRow,
} from './deliveries.ts';
import type { DeliveryGate } from './delivery-gate.ts';
import {
  isNoDestinationError,
  type DeliveryReceipt,
  type Destination,
  type Destinations,
} from './destinations.ts';
import { ReceiptWriter } from './receipt-writer.ts';
import { classifySendFailure } from './send-failure.ts';

/** Runs outbound calls through the destination's circuit breaker. */
export interface CallGuard {
  execute<T>(
    fn: (signal: AbortSignal) => Promise<T>,
    options?: { signal?: AbortSignal },
  ): Promise<T>;
}

/** The breaker of each destination, by name (a BreakerRegistry). */
export interface CallGuards {
  get(name: string): CallGuard;
}

export interface SendHandlerOptions {
  db: Database;
  /** Where each delivery goes (its channel and receiver), and the transports. */
  destinations: Destinations;
  /** One breaker per destination, so one receiver's outage never holds back the others. */
  breakers: CallGuards;
  /**
   * Rate limits and Retry-After shared by every replica; without one, neither limits are
   * kept nor a 429 shared (a 429 still defers its own alert).
   */
  gate?: DeliveryGate;
  logger: Logger;
  concurrency: number;
  /**
   * How long an alert waits after its destination could not take any message, or
   * answered 429 without saying how long to wait.
   */
  destinationRetryMs: number;
  /**
   * How long to keep trying to record a receipt once the transport took the message: long
   * enough to ride out a PostgreSQL restart or failover, since giving up means the next
   * attempt sends the message again (default 30 s).
   */
  receiptWriteBudgetMs?: number;
  /** First pause between those tries, doubling up to 5 s (default 250 ms). */
  receiptRetryDelayMs?: number;
}

const RECEIPT_DEFAULTS = {
  receiptWriteBudgetMs: 30_000, // 30 s
  receiptRetryDelayMs: 250, // 250 ms, doubling
};
const RECEIPT_MAX_PAUSE_MS = 5_000;
// A Retry-After beyond this is a provider's mistake, not a reason to hold alerts for days.
const MAX_RETRY_AFTER_MS = 3_600_000; // 1 h

/** A delivery as the batch found it, before anything was written. */
type Planned =
  | { kind: 'finished'; outcome: DeliveryOutcome }
  | { kind: 'unsendable'; error: string }
  | { kind: 'send'; message: RenderedMessage; destination: Destination };

type DeliveryOutcome =
  | { kind: 'delivered' }
  | { kind: 'failed'; error: string }
  | { kind: 'retry'; error: string }
  | { kind: 'deferred'; delayMs: number; reason: string };

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `work` over `items` with at most `limit` at a time. A rejection becomes the item's
 * result through `recover`, so every lane runs to its end before this resolves: nothing
 * is still sending in the background once the batch has been answered.
 */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  recover: (item: T, err: unknown) => R,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index]!;
      results[index] = await work(item).catch((err: unknown) => recover(item, err));
    }
  });
  await Promise.all(lanes);
  return results;
}

/** One alert's result from the outcomes of its deliveries. */
function alertResult(alertId: string, outcomes: readonly DeliveryOutcome[]): AttemptResult {
  if (outcomes.length === 0) {
    return { kind: 'fail', id: alertId, error: 'no deliveries were formatted for this alert' };
  }
  const retry = outcomes.flatMap((r) => (r.kind === 'retry' ? [r.error] : []));
  if (retry.length > 0) {
    return { kind: 'retry', id: alertId, error: retry.join('; ') };
  }
  const deferred = outcomes.flatMap((r) => (r.kind === 'deferred' ? [r] : []));
  if (deferred.length > 0) {
    return {
      kind: 'defer',
      id: alertId,
      delayMs: Math.max(...deferred.map((r) => r.delayMs)),
      reason: deferred.map((r) => r.reason).join('; '),
    };
  }
  const failed = outcomes.flatMap((r) => (r.kind === 'failed' ? [r.error] : []));
  if (failed.length > 0) {
    return { kind: 'fail', id: alertId, error: `failed receivers: ${failed.join('; ')}` };
  }
  return { kind: 'done', id: alertId };
}

/**
 * Delivers every pending message of each alert once per receiver. The deliveries of a
 * batch are marked `sending` (one statement, committed) before the first send, and each is
 * marked `delivered` with its receipt after (receipts of messages that go out together
 * share a statement), so a
 * redelivered stream entry finds finished deliveries and does not send them again. Once
 * the transport took a message its delivery never goes back to pending: the receipt write
 * is retried, and if it still fails the row stays `sending`, so only that failure (or a
 * crash) can resend, and then with the same Message-ID. The alert is `sent` when all its
 * deliveries are delivered. While the destination cannot take any message (its breaker
 * is open, it is unreachable, it refuses the login or the service) the alert is deferred,
 * not failed: a mail outage does not use up its attempts or push it into dead letters.
 * So it is while the destination's rate limit is spent or a 429 asked every replica to
 * wait: nothing is sent, no attempt counted, and the breaker hears nothing of it.
 */
export function createSendHandler(options: SendHandlerOptions): StageHandler {
  const { db, destinations, breakers, gate, logger } = options;
  const { receiptWriteBudgetMs, receiptRetryDelayMs } = { ...RECEIPT_DEFAULTS, ...options };
  const receipts = new ReceiptWriter({
    pool: db.pool,
    budgetMs: receiptWriteBudgetMs,
    firstPauseMs: receiptRetryDelayMs,
    maxPauseMs: RECEIPT_MAX_PAUSE_MS,
  });

  function changedUnderUs(row: DeliveryRow): DeliveryOutcome {
    return { kind: 'retry', error: `${row.receiver}: delivery changed under us` };
  }

  /**
   * What a delivery needs before anything is written: its outcome when it is finished, or
   * cannot be sent as it is, or the message and where it goes.
   */
  function plan(row: DeliveryRow): Planned {
    if (row.status === 'delivered') {
      return { kind: 'finished', outcome: { kind: 'delivered' } };
    }
    if (row.status === 'failed') {
      return {
        kind: 'finished',
        outcome: { kind: 'failed', error: `${row.receiver}: ${row.lastError ?? 'failed'}` },
      };
    }
    const rendered = RenderedMessageSchema.safeParse(row.rendered);
    if (!rendered.success || rendered.data.channel !== row.channel) {
      return { kind: 'unsendable', error: 'rendered message is unreadable' };
    }
    try {
      return {
        kind: 'send',
        message: rendered.data,
        destination: destinations.resolve(row.receiver, row.channel),
      };
    } catch (err) {
      if (!isNoDestinationError(err)) throw err;
      return { kind: 'unsendable', error: err.message };
    }
  }

  /** Sends one delivery the batch marked `sending`. */
  async function deliver(
    row: DeliveryRow,
    planned: Extract<Planned, { kind: 'send' | 'unsendable' }>,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome> {
    if (planned.kind === 'unsendable') {
      // Failed, its one attempt counted; unless another replica changed the row meanwhile.
      if (!(await markAttemptFailed(db.pool, row.id, planned.error, true))) {
        return changedUnderUs(row);
      }
      return { kind: 'failed', error: `${row.receiver}: ${planned.error}` };
    }
    const { destination, message } = planned;

    const waitMs = gate ? await gate.admit(destination.limitKey, destination.rateLimit) : 0;
    if (waitMs > 0) {
      // Waiting for a rate limit costs the delivery nothing: the attempt is given back.
      const reason = `${row.receiver}: ${destination.limitKey} rate limited, next message in ${waitMs} ms`;
      if (!(await markNotAttempted(db.pool, row.id, reason))) {
        return changedUnderUs(row);
      }
      return { kind: 'deferred', delayMs: waitMs, reason };
    }

    let receipt: DeliveryReceipt;
    try {
      receipt = await breakers
        .get(destination.name)
        .execute((callSignal) => destination.send(message, row.messageKey, callSignal), {
          signal,
        });
    } catch (err) {
      return sendFailed(row, destination, err);
    }
    // The message is out: from here on the delivery must not become pending again.
    return recordReceipt(row, receipt);
  }

  async function throttled(
    row: DeliveryRow,
    destination: Destination,
    err: unknown,
  ): Promise<DeliveryOutcome> {
    const error = `${row.receiver}: ${errorText(err)}`;
    const asked = (err as { retryAfterMs?: unknown }).retryAfterMs;
    const delayMs = Math.min(
      typeof asked === 'number' ? Math.max(asked, 1) : options.destinationRetryMs,
      MAX_RETRY_AFTER_MS,
    );
    if (!(await markNotAttempted(db.pool, row.id, error))) {
      return changedUnderUs(row);
    }
    // Every replica waits too, rather than spend messages on certain 429s. Should Redis
    // fail here, this alert still waits; the others only learn it from their own 429.
    await gate?.holdOff(destination.limitKey, delayMs).catch((holdOffErr: unknown) => {
      logger.warn(
        { err: holdOffErr, destination: destination.limitKey, delayMs },
        'could not share the wait with the other replicas',
      );
    });
    logger.info(
      { alertId: row.alertId, receiver: row.receiver, destination: destination.name, delayMs },
      'destination asked to slow down, delivery deferred',
    );
    return { kind: 'deferred', delayMs, reason: error };
  }

  async function sendFailed(
    row: DeliveryRow,
    destination: Destination,
    err: unknown,
  ): Promise<DeliveryOutcome> {
    const error = `${row.receiver}: ${errorText(err)}`;
    const kind = classifySendFailure(err);
    if (kind === 'throttled') {
      return throttled(row, destination, err);
    }

    if (kind === 'destination') {
      // The destination took nothing: wait for it, and spend no delivery attempt on it.
      if (!(await markNotAttempted(db.pool, row.id, error))) {
        return changedUnderUs(row);
      }
      const delayMs = isBrokenCircuitError(err) ? err.retryAfterMs : options.destinationRetryMs;
      if (!isBrokenCircuitError(err)) {
        // An open breaker is logged once by the registry, not once per deferred message.
        logger.warn(
          { err, alertId: row.alertId, receiver: row.receiver, delayMs },
          'destination unavailable, delivery deferred',
        );
      }
      return { kind: 'deferred', delayMs, reason: error };
    }

    const permanent = kind === 'permanent';
    if (!(await markAttemptFailed(db.pool, row.id, errorText(err), permanent))) {
      return changedUnderUs(row);
    }
    logger.warn(
      { err, alertId: row.alertId, receiver: row.receiver, permanent },
      'delivery attempt failed',
    );
    return permanent ? { kind: 'failed', error } : { kind: 'retry', error };
  }

  async function recordReceipt(
    row: DeliveryRow,
    receipt: DeliveryReceipt,
  ): Promise<DeliveryOutcome> {
    const fields = { alertId: row.alertId, receiver: row.receiver, deliveryId: row.id };
    const providerId = 'messageId' in receipt ? receipt.messageId : receipt.id;
    if ('rejected' in receipt && receipt.rejected && receipt.rejected.length > 0) {
      logger.warn(
        {
          ...fields,
          messageId: receipt.messageId,
          rejectedCount: receipt.rejected.length,
          rejected: receipt.rejected,
        },
        'message delivered, some recipients refused',
      );
    }

    const outcome = await receipts.record(row.id, receipt);
    if (outcome.kind === 'recorded') {
      logger.info({ ...fields, providerId }, 'message delivered');
      return { kind: 'delivered' };
    }
    if (outcome.kind === 'changed') {
      logger.warn(
        { ...fields, status: outcome.status, receipt },
        'message sent, but its delivery changed under us',
      );
      return changedUnderUs(row);
    }
    // The row stays `sending`: the next attempt resends the same Message-ID, and this line
    // is what tells an operator which copy the receiver already has.
    logger.error(
      { err: outcome.err, ...fields, receipt },
      'message sent, but its receipt was not recorded',
    );
    return {
      kind: 'retry',
      error: `${row.receiver}: sent, but the receipt was not recorded: ${errorText(outcome.err)}`,
    };
  }

  function unexpected(row: DeliveryRow, err: unknown): DeliveryOutcome {
    logger.error(
      { err, alertId: row.alertId, receiver: row.receiver },
      'delivery failed unexpectedly',
    );
    return { kind: 'retry', error: `${row.receiver}: ${errorText(err)}` };
  }

  return {
    async process(alerts: readonly ClaimedAlert[], { signal }): Promise<AttemptResult[]> {
      const rows = await loadDeliveries(
        db.pool,
        alerts.map((a) => a.id),
      );
      const plans = rows.map(plan);
      // One statement marks every delivery of the batch that is to be tried.
      const marked = await markSending(
        db.pool,
        rows.filter((_, index) => plans[index]!.kind !== 'finished').map((row) => row.id),
      );
      const outcomes = await mapLimited(
        rows.map((row, index) => ({ row, planned: plans[index]! })),
        options.concurrency,
        async ({ row, planned }) => {
          if (planned.kind === 'finished') return planned.outcome;
          if (!marked.has(row.id)) return changedUnderUs(row);
          return deliver(row, planned, signal);
        },
        ({ row }, err) => unexpected(row, err),
      );
      const byAlert = new Map<string, DeliveryOutcome[]>();
      rows.forEach((row, index) =>
        byAlert.set(row.alertId, [...(byAlert.get(row.alertId) ?? []), outcomes[index]!]),
      );
      return alerts.map((alert) => alertResult(alert.id, byAlert.get(alert.id) ?? []));
    },
    close: () => destinations.close(),
  };
}
