import type pg from 'pg';

/** A delivery row as the sender reads it. */
export interface DeliveryRow {
  id: string;
  alertId: string;
  receiver: string;
  channel: string;
  status: 'pending' | 'sending' | 'delivered' | 'failed';
  attempts: number;
  messageKey: string;
  rendered: unknown;
  lastError: string | null;
}

export async function loadDeliveries(
  pool: pg.Pool,
  alertIds: readonly string[],
): Promise<DeliveryRow[]> {
  const { rows } = await pool.query<DeliveryRow>(
    `SELECT id, alert_id AS "alertId", receiver, channel, status, attempts,
            message_key AS "messageKey", rendered, last_error AS "lastError"
       FROM deliveries WHERE alert_id = ANY($1::uuid[]) ORDER BY receiver`,
    [alertIds],
  );
  return rows;
}

/**
 * Records, before the sends, that they are about to happen: one statement for the batch,
 * committed on its own, so that after a crash each row says its message may have gone
 * out. Returns the ids it marked: a row no longer pending or sending (another replica
 * finished it) is left alone.
 */
export async function markSending(pool: pg.Pool, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await pool.query<{ id: string }>({
    name: 'herald-deliveries-sending',
    text: `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = now()
            WHERE id = ANY($1::uuid[]) AND status IN ('pending', 'sending')
        RETURNING id`,
    values: [ids],
  });
  return new Set(rows.map((row) => row.id));
}

/**
 * Records the receipts of sends, in one statement. Only a delivery still `sending`
 * changes: a replica that lost its claim must not overwrite what the one that took over
 * recorded. Idempotent, so it can be retried. Returns the ids it recorded.
 */
export async function markDelivered(
  pool: pg.Pool,
  receipts: readonly { id: string; receipt: unknown }[],
): Promise<Set<string>> {
  if (receipts.length === 0) return new Set();
  const { rows } = await pool.query<{ id: string }>({
    name: 'herald-deliveries-delivered',
    text: `UPDATE deliveries d
              SET status = 'delivered', receipt = r.receipt, last_error = NULL,
                  delivered_at = now(), updated_at = now()
             FROM unnest($1::uuid[], $2::jsonb[]) AS r(id, receipt)
            WHERE d.id = r.id AND d.status = 'sending'
        RETURNING d.id`,
    values: [receipts.map((r) => r.id), receipts.map((r) => JSON.stringify(r.receipt))],
  });
  return new Set(rows.map((row) => row.id));
}

/**
 * A failed attempt: `failed` when the receiver refused for good, else back to pending.
 * Only a delivery still `sending` changes, so a late failure can never undo a delivery
 * that another replica finished. False when the row was no longer `sending`.
 */
export async function markAttemptFailed(
  pool: pg.Pool,
  id: string,
  error: string,
  permanent: boolean,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE deliveries SET status = $3, last_error = $2, updated_at = now()
      WHERE id = $1 AND status = 'sending'`,
    [id, error, permanent ? 'failed' : 'pending'],
  );
  return rowCount === 1;
}

/** The delivery's status now, or undefined when the row is gone. */
export async function deliveryStatus(
  pool: pg.Pool,
  id: string,
): Promise<DeliveryRow['status'] | undefined> {
  const { rows } = await pool.query<{ status: DeliveryRow['status'] }>(
    `SELECT status FROM deliveries WHERE id = $1`,
    [id],
  );
  return rows[0]?.status;
}

/**
 * The attempt does not count: the breaker refused it before any call, or the destination
 * could not take any message (see send-failure.ts). Back to pending, the attempt given
 * back, and only while the row is still `sending`. False when it was no longer.
 */
export async function markNotAttempted(
  pool: pg.Pool,
  id: string,
  reason: string,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE deliveries SET status = 'pending', attempts = attempts - 1, last_error = $2, updated_at = now()
      WHERE id = $1 AND status = 'sending'`,
    [id, reason],
  );
  return rowCount === 1;
}
