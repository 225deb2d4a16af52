import type { Analysis } from '@herald/contracts';
import { inTransaction, type Database } from '@herald/db';
import { groupKey } from './key.ts';
import type { GroupingSettings } from './settings.ts';

/** One alert reaching one receiver whose grouping must say whether it notifies now. */
export interface GroupRequest {
  alertId: string;
  receiver: string;
  settings: GroupingSettings;
  /** The alert's group-by labels (see `groupLabels`). */
  labels: Record<string, string>;
  /** The alert's own (Wazuh) time, for the digest's first/last times. */
  alertTime: Date;
  agent?: string | undefined;
  /** Stored on the group when the alert is folded: the digest carries the latest one. */
  analysis: Analysis;
}

/**
 * `notify`: the alert (re)opens its group and goes to the receiver as usual. `fold`: the
 * group notified recently; the alert is counted into the group's next digest instead.
 */
export type GroupDecision = { kind: 'notify'; groupId: string } | { kind: 'fold'; groupId: string };

interface LockedGroup {
  id: string;
  opened_by: string | null;
  last_notified_at: Date | null;
  flush_due_at: Date | null;
  digest_seq: number;
}

/**
 * Decides, for each request, whether its alert notifies or is folded into its group, and
 * records that in PostgreSQL: one transaction per group touched, holding the group's row
 * lock, so two replicas handling alerts of one group at once cannot both open it.
 *
 * Deciding again for an alert already decided gives the same answer and counts it once
 * (the worker may lose its claim after this commits and another replica redo the batch):
 * the alert that opened the group notifies again, a folded one stays folded.
 *
 * The rules, at `now`, for a group that has notified before: an alert notifies on its own
 * when nothing was sent for `repeatIntervalMs` and nothing is waiting to be flushed;
 * otherwise it is folded and a digest is due `groupIntervalMs` after the last message (or
 * at once if that time has passed). A new group notifies its first alert at once when
 * `groupWaitMs` is 0; otherwise every alert of its first `groupWaitMs` is folded into its
 * first digest.
 */
export async function decideGroups(
  db: Pick<Database, 'pool'>,
  requests: readonly GroupRequest[],
  now: Date,
): Promise<GroupDecision[]> {
  const byGroup = new Map<string, number[]>();
  requests.forEach((request, index) => {
    const key = JSON.stringify([request.receiver, groupKey(request.labels)]);
    byGroup.set(key, [...(byGroup.get(key) ?? []), index]);
  });
  const decisions: GroupDecision[] = new Array(requests.length);
  // Groups one after the other, each in its own short transaction: a batch never holds
  // two group locks at once, so replicas cannot deadlock on each other's groups.
  for (const indexes of byGroup.values()) {
    const members = indexes.map((index) => requests[index] as GroupRequest);
    const decided = await decideOneGroup(db, members, now);
    indexes.forEach((index, i) => {
      decisions[index] = decided[i] as GroupDecision;
    });
  }
  return decisions;
}

async function decideOneGroup(
  db: Pick<Database, 'pool'>,
  requests: readonly GroupRequest[],
  now: Date,
): Promise<GroupDecision[]> {
  const first = requests[0] as GroupRequest;
  const settings = first.settings;
  const key = groupKey(first.labels);
  return inTransaction(db.pool, async (client) => {
    await client.query(
      `INSERT INTO alert_groups (id, receiver, group_key, labels, group_wait_ms, group_interval_ms,
                                 repeat_interval_ms, first_alert_at, last_alert_at, flush_due_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $7,
               CASE WHEN $4 > 0 THEN $8::timestamptz + make_interval(secs => $4::double precision / 1000) END)
       ON CONFLICT (receiver, group_key) DO NOTHING`,
      [
        first.receiver,
        key,
        JSON.stringify(first.labels),
        settings.groupWaitMs,
        settings.groupIntervalMs,
        settings.repeatIntervalMs,
        first.alertTime,
        now,
      ],
    );
    const locked = await client.query<LockedGroup>(
      `SELECT id, opened_by, last_notified_at, flush_due_at, digest_seq FROM alert_groups
        WHERE receiver = $1 AND group_key = $2 FOR UPDATE`,
      [first.receiver, key],
    );
    const group = locked.rows[0] as LockedGroup;
    const known = await client.query<{ alert_id: string }>(
      'SELECT alert_id FROM alert_group_members WHERE group_id = $1 AND alert_id = ANY($2::uuid[])',
      [group.id, requests.map((request) => request.alertId)],
    );
    const alreadyFolded = new Set(known.rows.map((row) => row.alert_id));

    let { opened_by: openedBy, last_notified_at: lastNotifiedAt, flush_due_at: flushDueAt } = group;
    const folded: GroupRequest[] = [];
    const decisions = requests.map((request): GroupDecision => {
      const notify = (): GroupDecision => {
        openedBy = request.alertId;
        lastNotifiedAt = now;
        return { kind: 'notify', groupId: group.id };
      };
      const fold = (due: Date): GroupDecision => {
        flushDueAt ??= due;
        if (!alreadyFolded.has(request.alertId)) folded.push(request);
        alreadyFolded.add(request.alertId);
        return { kind: 'fold', groupId: group.id };
      };

      if (request.alertId === openedBy) return { kind: 'notify', groupId: group.id };
      if (alreadyFolded.has(request.alertId)) return { kind: 'fold', groupId: group.id };
      if (lastNotifiedAt === null) {
        if (settings.groupWaitMs === 0) return notify();
        return fold(new Date(now.getTime() + settings.groupWaitMs));
      }
      const quietMs = now.getTime() - lastNotifiedAt.getTime();
      if (quietMs >= settings.repeatIntervalMs && flushDueAt === null) return notify();
      const nextTick = lastNotifiedAt.getTime() + settings.groupIntervalMs;
      return fold(new Date(Math.max(nextTick, now.getTime())));
    });

    const latest = folded.at(-1);
    const times = requests.map((request) => request.alertTime.getTime());
    await client.query(
      `UPDATE alert_groups
          SET opened_by = $2, last_notified_at = $3, flush_due_at = $4,
              first_alert_at = LEAST(first_alert_at, $5), last_alert_at = GREATEST(last_alert_at, $6),
              group_wait_ms = $7, group_interval_ms = $8, repeat_interval_ms = $9,
              latest_folded_id = COALESCE($10, latest_folded_id),
              latest_folded_analysis = COALESCE($11::jsonb, latest_folded_analysis)
        WHERE id = $1`,
      [
        group.id,
        openedBy,
        lastNotifiedAt,
        flushDueAt,
        new Date(Math.min(...times)),
        new Date(Math.max(...times)),
        settings.groupWaitMs,
        settings.groupIntervalMs,
        settings.repeatIntervalMs,
        latest?.alertId ?? null,
        latest ? JSON.stringify(latest.analysis) : null,
      ],
    );
    if (folded.length > 0) {
      // Counted into the digest after the last one sent: digest_seq + 1.
      await client.query(
        `INSERT INTO alert_group_members (group_id, alert_id, digest_seq, alert_time, agent, folded_at)
         SELECT $1, t.alert_id, $2, t.alert_time, t.agent, $6
           FROM unnest($3::uuid[], $4::timestamptz[], $5::text[]) AS t(alert_id, alert_time, agent)
         ON CONFLICT (group_id, alert_id) DO NOTHING`,
        [
          group.id,
          group.digest_seq + 1,
          folded.map((request) => request.alertId),
          folded.map((request) => request.alertTime),
          folded.map((request) => request.agent ?? null),
          now,
        ],
      );
    }
    return decisions;
  });
}
