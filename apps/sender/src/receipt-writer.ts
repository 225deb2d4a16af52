import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { deliveryStatus, markDelivered, type DeliveryRow } from './deliveries.ts';

/** What became of one receipt. */
export type ReceiptOutcome =
  | { kind: 'recorded' }
  /** The row was no longer `sending` and is not delivered: another replica took it over. */
  | { kind: 'changed'; status: DeliveryRow['status'] | undefined }
  /** Every try within the budget failed: the row stays `sending`. */
  | { kind: 'unrecorded'; err: unknown };

export interface ReceiptWriterOptions {
  pool: pg.Pool;
  /** How long one receipt is tried for, from when it was handed in. */
  budgetMs: number;
  /** First pause after a failed write, doubling up to `maxPauseMs`. */
  firstPauseMs: number;
  maxPauseMs: number;
}

interface QueuedReceipt {
  id: string;
  receipt: unknown;
  giveUpAt: number;
  resolve: (outcome: ReceiptOutcome) => void;
}

/**
 * Records receipts as messages go out, many per statement: a receipt handed in while a
 * write is running goes into the next one, so a busy sender commits one UPDATE for several
 * messages, and a quiet one writes each receipt at once (no timer: the window in which a
 * crash makes a resent copy stays as short as the write). A failed write is tried again
 * with a doubling pause until each receipt's budget is spent, so a PostgreSQL restart does
 * not make the next attempt send the message again.
 */
export class ReceiptWriter {
  readonly #options: ReceiptWriterOptions;
  #queue: QueuedReceipt[] = [];
  #writing = false;

  constructor(options: ReceiptWriterOptions) {
    this.#options = options;
  }

  record(id: string, receipt: unknown): Promise<ReceiptOutcome> {
    return new Promise((resolve) => {
      this.#queue.push({ id, receipt, giveUpAt: Date.now() + this.#options.budgetMs, resolve });
      void this.#writeQueued();
    });
  }

  async #writeQueued(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      let pause = this.#options.firstPauseMs;
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        let failure: unknown;
        try {
          await this.#write(batch);
          pause = this.#options.firstPauseMs;
          continue;
        } catch (err) {
          failure = err;
        }
        const now = Date.now();
        const again = batch.filter((item) => {
          if (now + pause <= item.giveUpAt) return true;
          item.resolve({ kind: 'unrecorded', err: failure });
          return false;
        });
        this.#queue = [...again, ...this.#queue];
        if (this.#queue.length > 0) {
          await sleep(pause);
          pause = Math.min(pause * 2, this.#options.maxPauseMs);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  /** One statement for the batch; throws, resolving none, when it fails. */
  async #write(batch: readonly QueuedReceipt[]): Promise<void> {
    const recorded = await markDelivered(this.#options.pool, batch);
    const missed = batch.filter((item) => !recorded.has(item.id));
    // Not `sending` any more: an earlier try whose reply was lost, or a replica that took
    // the alert over, recorded it first. Rare, so one read each.
    const statuses = await Promise.all(
      missed.map((item) => deliveryStatus(this.#options.pool, item.id)),
    );
    for (const item of batch) {
      if (recorded.has(item.id)) item.resolve({ kind: 'recorded' });
    }
    missed.forEach((item, index) => {
      const status = statuses[index];
      item.resolve(status === 'delivered' ? { kind: 'recorded' } : { kind: 'changed', status });
    });
  }
}
