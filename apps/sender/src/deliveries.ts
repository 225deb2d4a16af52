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

export async function loadDeliveries(pool: pg.Pool, alertIds: readonly string[]): Promise<DeliveryRow[]> {
  const { rows } = await pool.query<DeliveryRow>(
    `SELECT id, alert_id AS "alertId", receiver, channel, status, attempts,
            message_key AS "messageKey", rendered, last_error AS "lastError"
       FROM deliveries WHERE alert_id = ANY($1::uuid[]) ORDER BY receiver`,
    [alertIds],
  );
  return rows;
}

/**
 * Records, before the send, that it is about to happen: committed on its own, so that
 * after a crash the row says the message may have gone out.
 */
export async function markSending(pool: pg.Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = now()
      WHERE id = $1 AND status IN ('pending', 'sending')`,
    [id],
  );
  return rowCount === 1;
}

export async function markDelivered(pool: pg.Pool, id: string, receipt: unknown): Promise<void> {
  await pool.query(
    `UPDATE deliveries SET status = 'delivered', receipt = $2, last_error = NULL,
            delivered_at = now(), updated_at = now()
      WHERE id = $1`,
    [id, JSON.stringify(receipt)],
  );
}

/** A failed attempt: `failed` when the receiver refused for good, else back to pending. */
export async function markAttemptFailed(pool: pg.Pool, id: string, error: string, permanent: boolean): Promise<void> {
  await pool.query(
    `UPDATE deliveries SET status = $3, last_error = $2, updated_at = now() WHERE id = $1`,
    [id, error, permanent ? 'failed' : 'pending'],
  );
}

/**
 * The send never happened (the breaker refused it before any call): back to pending
 * without counting an attempt.
 */
export async function markNotAttempted(pool: pg.Pool, id: string, reason: string): Promise<void> {
  await pool.query(
    `UPDATE deliveries SET status = 'pending', attempts = attempts - 1, last_error = $2, updated_at = now()
      WHERE id = $1 AND status = 'sending'`,
    [id, reason],
  );
}
