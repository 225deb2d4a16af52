import { isBrokenCircuitError } from '@herald/breaker';
import { RenderedEmailSchema } from '@herald/contracts';
import type { AttemptResult, ClaimedAlert, Database } from '@herald/db';
import type { Logger } from '@herald/runtime';
import type { StageHandler } from '@herald/stage';
import {
  loadDeliveries,
  markAttemptFailed,
  markDelivered,
  markNotAttempted,
  markSending,
  type DeliveryRow,
} from './deliveries.ts';
import type { EmailReceipt, EmailTransport, OutgoingEmail } from './transports/types.ts';

/** Runs outbound calls through the destination's circuit breaker. */
export interface CallGuard {
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
}

export interface SendHandlerOptions {
  db: Database;
  transport: EmailTransport;
  guard: CallGuard;
  logger: Logger;
  concurrency: number;
}

type DeliveryOutcome =
  | { kind: 'delivered' }
  | { kind: 'failed'; error: string }
  | { kind: 'retry'; error: string }
  | { kind: 'deferred'; delayMs: number; reason: string };

function isPermanent(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'retryable' in err && err.retryable === false;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Delivers every pending message of each alert once per receiver. A delivery is marked
 * `sending` (committed) before the send and `delivered` with its receipt after, so a
 * redelivered stream entry finds finished deliveries and does not send them again; only a
 * crash between the receiver's acceptance and the receipt's commit can resend, and then
 * with the same Message-ID. The alert is `sent` when all its deliveries are delivered.
 * While the destination's breaker is open the alert is deferred, not failed: a mail
 * outage does not use up its attempts or push it into dead letters.
 */
export function createSendHandler(options: SendHandlerOptions): StageHandler {
  const { db, transport, guard, logger } = options;

  async function deliver(row: DeliveryRow, signal: AbortSignal): Promise<DeliveryOutcome> {
    if (row.status === 'delivered') return { kind: 'delivered' };
    if (row.status === 'failed') return { kind: 'failed', error: `${row.receiver}: ${row.lastError ?? 'failed'}` };
    const rendered = RenderedEmailSchema.safeParse(row.rendered);
    if (!rendered.success) {
      await markAttemptFailed(db.pool, row.id, 'rendered message is unreadable', true);
      return { kind: 'failed', error: `${row.receiver}: rendered message is unreadable` };
    }
    if (!(await markSending(db.pool, row.id))) {
      return { kind: 'retry', error: `${row.receiver}: delivery changed under us` };
    }
    const message: OutgoingEmail = { ...rendered.data, messageId: row.messageKey };
    try {
      const receipt: EmailReceipt = await guard.execute((callSignal) => transport.send(message, callSignal), { signal });
      await markDelivered(db.pool, row.id, receipt);
      logger.info({ alertId: row.alertId, receiver: row.receiver, messageId: receipt.messageId }, 'message delivered');
      return { kind: 'delivered' };
    } catch (err) {
      if (isBrokenCircuitError(err)) {
        // The destination is resting: wait for it, and spend no delivery attempt on it.
        const reason = `${row.receiver}: ${errorText(err)}`;
        await markNotAttempted(db.pool, row.id, reason);
        return { kind: 'deferred', delayMs: err.retryAfterMs, reason };
      }
      const permanent = isPermanent(err);
      await markAttemptFailed(db.pool, row.id, errorText(err), permanent);
      logger.warn({ err, alertId: row.alertId, receiver: row.receiver, permanent }, 'delivery attempt failed');
      return permanent
        ? { kind: 'failed', error: `${row.receiver}: ${errorText(err)}` }
        : { kind: 'retry', error: `${row.receiver}: ${errorText(err)}` };
    }
  }

  return {
    async process(alerts: readonly ClaimedAlert[], { signal }): Promise<AttemptResult[]> {
      const rows = await loadDeliveries(db.pool, alerts.map((a) => a.id));
      const outcomes = await mapLimited(rows, options.concurrency, (row) => deliver(row, signal));
      const byAlert = new Map<string, DeliveryOutcome[]>();
      rows.forEach((row, index) => byAlert.set(row.alertId, [...(byAlert.get(row.alertId) ?? []), outcomes[index]!]));

      return alerts.map((alert): AttemptResult => {
        const results = byAlert.get(alert.id) ?? [];
        if (results.length === 0) {
          return { kind: 'fail', id: alert.id, error: 'no deliveries were formatted for this alert' };
        }
        const retry = results.filter((r) => r.kind === 'retry');
        if (retry.length > 0) {
          return { kind: 'retry', id: alert.id, error: retry.map((r) => (r.kind === 'retry' ? r.error : '')).join('; ') };
        }
        const deferred = results.flatMap((r) => (r.kind === 'deferred' ? [r] : []));
        if (deferred.length > 0) {
          return {
            kind: 'defer',
            id: alert.id,
            delayMs: Math.max(...deferred.map((r) => r.delayMs)),
            reason: deferred.map((r) => r.reason).join('; '),
          };
        }
        const failed = results.filter((r) => r.kind === 'failed');
        if (failed.length > 0) {
          const named = failed.map((r) => (r.kind === 'failed' ? r.error : '')).join('; ');
          return { kind: 'fail', id: alert.id, error: `failed receivers: ${named}` };
        }
        return { kind: 'done', id: alert.id };
      });
    },
    close: () => transport.close(),
  };
}
