import type pg from 'pg';
import type { Database } from './client.ts';
import type { AlertState } from './states.ts';
import { isAlertId } from './alert-id.ts';
import { newId } from './ids.ts';
import { inTransaction } from './transitions.ts';

/** What ingest stores for one validated alert. */
export interface NewAlert {
  identityKey: string;
  sourceId?: string | undefined;
  manager?: string | undefined;
  ruleId?: string | undefined;
  ruleLevel?: number | undefined;
  agentId?: string | undefined;
  agentName?: string | undefined;
  body: unknown;
}

export interface StoredAlertRef {
  id: string;
  identityKey: string;
  /** False when an alert with this identity was already stored (a repeat post). */
  created: boolean;
  state: AlertState;
}

/** Who makes a change: written on every history row. */
export interface Actor {
  service: string;
  replica: string;
}

/**
 * Stores alerts in one statement, idempotent on identity: a repeat (in this batch or from
 * before) returns the existing alert's id with `created: false`. New alerts start in `new`
 * with a first history row. Returns one ref per input, in input order.
 */
export async function insertAlerts(
  db: Pick<Database, 'pool'>,
  alerts: readonly NewAlert[],
  actor: Actor,
): Promise<StoredAlertRef[]> {
  if (alerts.length === 0) return [];
  const ids = alerts.map(() => newId());
  const column = <K extends keyof NewAlert>(key: K) => alerts.map((a) => a[key] ?? null);
  // One round trip: insert what is new, write its history, and read back the ids of
  // both new and existing alerts. ON CONFLICT DO NOTHING skips repeats, including a
  // repeat inside the same batch (the first occurrence wins).
  const { rows } = await db.pool.query<{ identity_key: string; id: string; state: AlertState; created: boolean }>({
    name: 'herald-insert-alerts',
    text: `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                            $6::int[], $7::text[], $8::text[], $9::jsonb[])
         WITH ORDINALITY AS t(id, identity_key, source_id, manager, rule_id, rule_level,
                              agent_id, agent_name, body, ord)
     ),
     inserted AS (
       INSERT INTO alerts (id, identity_key, source_id, manager, rule_id, rule_level,
                           agent_id, agent_name, body)
       SELECT DISTINCT ON (identity_key) id, identity_key, source_id, manager, rule_id,
              rule_level, agent_id, agent_name, body
         FROM input ORDER BY identity_key, ord
       ON CONFLICT (identity_key) DO NOTHING
       RETURNING id, identity_key, state
     ),
     history AS (
       INSERT INTO alert_transitions (alert_id, from_state, to_state, service, replica, attempt)
       SELECT id, NULL, 'new', $10, $11, 0 FROM inserted
     )
     SELECT identity_key, id, state, true AS created FROM inserted
     UNION ALL
     SELECT a.identity_key, a.id, a.state, false AS created
       FROM alerts a
      WHERE a.identity_key = ANY($2::text[])
        AND NOT EXISTS (SELECT 1 FROM inserted i WHERE i.identity_key = a.identity_key)`,
    values: [
      ids,
      column('identityKey'),
      column('sourceId'),
      column('manager'),
      column('ruleId'),
      column('ruleLevel'),
      column('agentId'),
      column('agentName'),
      alerts.map((a) => JSON.stringify(a.body)),
      actor.service,
      actor.replica,
    ],
  });
  const byIdentity = new Map(rows.map((row) => [row.identity_key, row]));
  // A concurrent post of the same alert may commit after this statement's snapshot was
  // taken: its row made our insert skip, yet the SELECT above could not see it. A new
  // statement has a new snapshot and sees it.
  const unseen = [...new Set(alerts.map((a) => a.identityKey))].filter((key) => !byIdentity.has(key));
  if (unseen.length > 0) {
    const late = await db.pool.query<{ identity_key: string; id: string; state: AlertState }>(
      'SELECT identity_key, id, state FROM alerts WHERE identity_key = ANY($1::text[])',
      [unseen],
    );
    for (const row of late.rows) byIdentity.set(row.identity_key, { ...row, created: false });
  }
  const seen = new Set<string>();
  return alerts.map((alert) => {
    const row = byIdentity.get(alert.identityKey);
    if (!row) {
      throw new Error(`alert ${alert.identityKey} was neither inserted nor found`);
    }
    // A second occurrence within one batch is a repeat even though its row is new.
    const created = row.created && !seen.has(alert.identityKey);
    seen.add(alert.identityKey);
    return { id: row.id, identityKey: row.identity_key, created, state: row.state };
  });
}

/** Everything Herald knows about one alert, as the read API returns it. */
export interface AlertView {
  id: string;
  identityKey: string;
  state: AlertState;
  attempt: number;
  retries: number;
  error: string | null;
  receivedAt: Date;
  stateChangedAt: Date;
  alert: unknown;
  enrichment: unknown;
  analysis: unknown;
  history: {
    from: string | null;
    to: string;
    at: Date;
    service: string;
    replica: string;
    attempt: number;
    error: string | null;
    reason: string | null;
  }[];
  deliveries: {
    id: string;
    receiver: string;
    channel: string;
    status: string;
    attempts: number;
    messageKey: string;
    rendered: unknown;
    /** The provider's proof: Message-ID and SMTP reply, Slack ts, PagerDuty dedup key, HTTP status. */
    receipt: unknown;
    lastError: string | null;
    deliveredAt: Date | null;
    /** The last change: the latest attempt, deferral or receipt. */
    updatedAt: Date;
  }[];
}


/** The alert with its history and deliveries, or undefined if there is no such alert. */
export async function getAlertView(db: Database, id: string): Promise<AlertView | undefined> {
  if (!isAlertId(id)) return undefined;
  // Three reads of one snapshot: the alert, then its history and deliveries as they stood
  // with it, even while a stage moves it on.
  return inTransaction(
    db.pool,
    async (client) => {
    const { rows: alerts } = await client.query<Omit<AlertView, 'history' | 'deliveries'>>(
      `SELECT id, identity_key AS "identityKey", state, attempt, retries, error,
              received_at AS "receivedAt", state_changed_at AS "stateChangedAt",
              body AS alert, enrichment, analysis
         FROM alerts WHERE id = $1`,
      [id],
    );
    const [alert] = alerts;
    if (!alert) return undefined;
    const { rows: history } = await client.query<AlertView['history'][number]>(
      `SELECT from_state AS "from", to_state AS "to", at, service, replica, attempt, error, reason
         FROM alert_transitions WHERE alert_id = $1 ORDER BY id`,
      [id],
    );
    const { rows: deliveries } = await client.query<AlertView['deliveries'][number]>(
      `SELECT id, receiver, channel, status, attempts, message_key AS "messageKey", rendered,
              receipt, last_error AS "lastError", delivered_at AS "deliveredAt",
              updated_at AS "updatedAt"
         FROM deliveries WHERE alert_id = $1 ORDER BY receiver`,
      [id],
    );
    return { ...alert, history, deliveries };
    },
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
}
