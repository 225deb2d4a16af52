import { AnalysisSchema, type GroupDigest } from '@herald/contracts';
import { inTransaction, newId, type Actor, type Database } from '@herald/db';

/** The most alerts a digest names (agents, alert ids): a sample, not the list. */
const SAMPLE_SIZE = 10;

interface DueGroup {
  id: string;
  receiver: string;
  labels: Record<string, string>;
  digest_seq: number;
  latest_folded_id: string | null;
  latest_folded_analysis: unknown;
}

interface Folded {
  count: number;
  first_at: Date | null;
  last_at: Date | null;
  agents: string[];
  alert_ids: string[];
}

/** What one flush did. */
export interface FlushOutcome {
  /** Ids of the digest alerts created, in state `analyzed`, to publish to the format stream. */
  digests: string[];
  /** Groups whose flush was due with nothing folded: they wait for their next alert. */
  idled: number;
}

/** The identity key of a group's nth digest: a flush that runs twice creates one digest. */
export function digestIdentity(groupId: string, sequence: number): string {
  return `digest:${groupId}:${sequence}`;
}

/**
 * Flushes up to `limit` groups whose digest is due at `now`: for each with folded alerts,
 * a digest alert (body and enrichment of the latest folded alert, its analysis addressed to
 * the group's receiver only, with a `group` field carrying the count, the first and last
 * time and a sample of agents and ids) is inserted in state `analyzed`, and the group marks
 * the digest sent. One transaction; groups another replica is flushing are skipped.
 */
export async function flushDueGroups(
  db: Pick<Database, 'pool'>,
  { now, limit, actor }: { now: Date; limit: number; actor: Actor },
): Promise<FlushOutcome> {
  return inTransaction(db.pool, async (client) => {
    const due = await client.query<DueGroup>(
      `SELECT id, receiver, labels, digest_seq, latest_folded_id, latest_folded_analysis
         FROM alert_groups WHERE flush_due_at <= $1
        ORDER BY flush_due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    const outcome: FlushOutcome = { digests: [], idled: 0 };
    for (const group of due.rows) {
      const sequence = group.digest_seq + 1;
      const { rows } = await client.query<Folded>(
        `SELECT count(*)::int AS count, min(alert_time) AS first_at, max(alert_time) AS last_at,
                (SELECT coalesce(array_agg(agent ORDER BY seen DESC, agent), '{}') FROM (
                   SELECT agent, max(alert_time) AS seen FROM alert_group_members
                    WHERE group_id = $1 AND digest_seq = $2 AND agent IS NOT NULL
                    GROUP BY agent ORDER BY seen DESC, agent LIMIT $3) a) AS agents,
                (SELECT coalesce(array_agg(alert_id::text ORDER BY alert_time DESC, alert_id), '{}') FROM (
                   SELECT alert_id, alert_time FROM alert_group_members
                    WHERE group_id = $1 AND digest_seq = $2
                    ORDER BY alert_time DESC, alert_id LIMIT $3) i) AS alert_ids
           FROM alert_group_members WHERE group_id = $1 AND digest_seq = $2`,
        [group.id, sequence, SAMPLE_SIZE],
      );
      const folded = rows[0] as Folded;
      const analysis = AnalysisSchema.safeParse(group.latest_folded_analysis);
      if (folded.count === 0 || !folded.first_at || !folded.last_at || !analysis.success) {
        await client.query('UPDATE alert_groups SET flush_due_at = NULL WHERE id = $1', [group.id]);
        outcome.idled += 1;
        continue;
      }

      const digest: GroupDigest = {
        kind: 'digest',
        groupId: group.id,
        receiver: group.receiver,
        labels: group.labels,
        sequence,
        count: folded.count,
        firstAt: folded.first_at.toISOString(),
        lastAt: folded.last_at.toISOString(),
        agents: folded.agents,
        alertIds: folded.alert_ids,
      };
      const inserted = await client.query<{ id: string }>(
        `WITH inserted AS (
           INSERT INTO alerts (id, identity_key, manager, rule_id, rule_level, agent_id, agent_name,
                               body, enrichment, analysis, state)
           SELECT $1, $2, manager, rule_id, rule_level, agent_id, agent_name, body, enrichment, $3, 'analyzed'
             FROM alerts WHERE id = $4
           ON CONFLICT (identity_key) DO NOTHING
           RETURNING id
         ),
         history AS (
           INSERT INTO alert_transitions (alert_id, from_state, to_state, service, replica, attempt, reason)
           SELECT id, NULL, 'analyzed', $5, $6, 0, $7 FROM inserted
         )
         SELECT id FROM inserted`,
        [
          newId(),
          digestIdentity(group.id, sequence),
          JSON.stringify({ ...analysis.data, receivers: [group.receiver], group: digest }),
          group.latest_folded_id,
          actor.service,
          actor.replica,
          `digest ${sequence} of group ${group.id}: ${folded.count} alerts`,
        ],
      );
      await client.query(
        `UPDATE alert_groups SET digest_seq = $2, last_notified_at = $3, flush_due_at = NULL
          WHERE id = $1`,
        [group.id, sequence, now],
      );
      // Members of earlier digests are no longer counted; those of this one stay, so an
      // alert decided again (a claim taken over) is still known as folded.
      await client.query(
        'DELETE FROM alert_group_members WHERE group_id = $1 AND digest_seq < $2',
        [group.id, sequence],
      );
      outcome.digests.push(...inserted.rows.map((row) => row.id));
    }
    return outcome;
  });
}

/**
 * Deletes groups that have nothing waiting and have been quiet for longer than their repeat
 * interval: their next alert would notify on its own anyway, so forgetting them changes no
 * decision and keeps the table to the groups that matter now. Returns how many went.
 */
export async function pruneIdleGroups(
  db: Pick<Database, 'pool'>,
  { now, limit }: { now: Date; limit: number },
): Promise<number> {
  const { rowCount } = await db.pool.query(
    `DELETE FROM alert_groups WHERE id IN (
       SELECT id FROM alert_groups
        WHERE flush_due_at IS NULL
          -- Processing times only (alert times are the sender's clock): nothing waits, so
          -- the last message is the last thing that happened to the group.
          AND (last_notified_at IS NULL
               OR last_notified_at < $1::timestamptz - make_interval(secs => repeat_interval_ms::double precision / 1000))
        LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [now, limit],
  );
  return rowCount ?? 0;
}
