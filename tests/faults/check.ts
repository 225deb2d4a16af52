import type pg from 'pg';
import type { ReceivedMessage } from './smtp.ts';

const FINAL_STATES = ['sent', 'error', 'suppressed'];

/** Every accepted alert held against what the SMTP server received. */
export interface Verdict {
  accepted: number;
  delivered: number;
  duplicates: number;
  lost: number;
  deadLettered: number;
  resentCopies: number;
  /** Reason of each dead-lettered alert, with how many share it. */
  deadLetterReasons: Map<string, number>;
  /** Evidence: each resent copy with its time, each lost or duplicated alert with its history. */
  evidence: string[];
  /** Messages received for alerts the driver never saw accepted. */
  unknownMessages: number;
}

/** How many of `ids` are not yet in a final state (sent, error, suppressed). */
export async function unfinishedCount(pool: pg.Pool, ids: string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM alerts WHERE id = ANY($1::uuid[]) AND NOT (state = ANY($2))',
    [ids, FINAL_STATES],
  );
  return rows[0]!.n;
}

async function history(pool: pg.Pool, id: string): Promise<string> {
  const { rows } = await pool.query<{ line: string }>(
    `SELECT concat_ws(' ', to_char(at, 'HH24:MI:SS.MS'), coalesce(from_state, '-') || '->' || to_state,
       replica, 'attempt ' || attempt, error, reason) AS line
     FROM alert_transitions WHERE alert_id = $1 ORDER BY id`,
    [id],
  );
  return rows.map((row) => `    ${row.line}`).join('\n');
}

/**
 * A duplicate is a second message with a different Message-ID for the same alert and
 * recipient; a resent copy is the same Message-ID received again.
 */
export async function verdict(
  pool: pg.Pool,
  accepted: Map<string, string>,
  received: ReceivedMessage[],
  startedAt: number,
): Promise<Verdict> {
  const heraldIds = new Set(accepted.values());
  const byAlert = new Map<string, Map<string, string[]>>();
  let unknownMessages = 0;
  const resentAt: string[] = [];
  for (const message of received) {
    if (!message.alertId || !heraldIds.has(message.alertId)) {
      unknownMessages += 1;
      continue;
    }
    const perRecipient = byAlert.get(message.alertId) ?? new Map<string, string[]>();
    byAlert.set(message.alertId, perRecipient);
    const messageId = message.messageId ?? '(none)';
    for (const recipient of message.recipients) {
      const ids = perRecipient.get(recipient) ?? [];
      if (ids.includes(messageId)) {
        const t = ((message.at - startedAt) / 1000).toFixed(1);
        resentAt.push(`resent copy at t=${t}s: ${messageId} to ${recipient}`);
      }
      ids.push(messageId);
      perRecipient.set(recipient, ids);
    }
  }
  const { rows } = await pool.query<{ id: string; state: string; error: string | null }>(
    'SELECT id, state, error FROM alerts WHERE id = ANY($1::uuid[])',
    [[...heraldIds]],
  );
  const alerts = new Map(rows.map((row) => [row.id, row]));
  const result: Verdict = {
    accepted: heraldIds.size,
    delivered: 0,
    duplicates: 0,
    lost: 0,
    deadLettered: 0,
    resentCopies: 0,
    deadLetterReasons: new Map(),
    evidence: resentAt.slice(0, 50),
    unknownMessages,
  };
  for (const id of heraldIds) {
    const alert = alerts.get(id);
    const perRecipient = byAlert.get(id);
    let duplicated = false;
    for (const [recipient, messageIds] of perRecipient ?? []) {
      const distinct = new Set(messageIds).size;
      result.duplicates += distinct - 1;
      result.resentCopies += messageIds.length - distinct;
      if (distinct > 1) {
        duplicated = true;
        result.evidence.push(
          `duplicate ${id} to ${recipient}: ${[...new Set(messageIds)].join(', ')}`,
        );
      }
    }
    if (perRecipient) {
      result.delivered += 1;
      if (alert?.state !== 'sent') {
        result.evidence.push(
          `delivered but in state ${alert?.state}: ${id}\n${await history(pool, id)}`,
        );
      }
    } else if (alert?.state === 'error') {
      result.deadLettered += 1;
      const reason = (alert.error ?? 'no reason recorded').slice(0, 200);
      result.deadLetterReasons.set(reason, (result.deadLetterReasons.get(reason) ?? 0) + 1);
    } else {
      result.lost += 1;
      if (result.evidence.length < 20) {
        result.evidence.push(
          `lost ${id} in state ${alert?.state ?? 'missing'}\n${await history(pool, id)}`,
        );
      }
    }
    if (duplicated && result.evidence.length < 40) result.evidence.push(await history(pool, id));
  }
  return result;
}

/** The one result line the issue asks for. */
export function verdictLine(v: Verdict): string {
  return (
    `accepted ${v.accepted}, delivered ${v.delivered}, duplicates ${v.duplicates}, lost ${v.lost}, ` +
    `dead-lettered ${v.deadLettered}, resent copies ${v.resentCopies}`
  );
}
