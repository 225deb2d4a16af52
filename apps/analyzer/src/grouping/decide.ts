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
  receiver: string;
  group_key: string;
  opened_by: string | null;
  last_notified_at: Date | null;
  flush_due_at: Date | null;
  digest_seq: number;
}

/** A group's name for its advisory lock and for the maps here (PostgreSQL text has no NUL). */
function lockName(receiver: string, key: string): string {
  return JSON.stringify([receiver, key]);
}

/** The requests of one batch that share a receiver and group key. */
interface Pending {
  receiver: string;
  key: string;
  requests: { index: number; request: GroupRequest }[];
}

/**
 * Decides, for each request, whether its alert notifies or is folded into its group, and
 * records that in PostgreSQL: one transaction and a fixed number of statements per batch,
 * whatever the number of groups. Deciders take a transaction-level advisory lock per group
 * (in one global order, so two replicas cannot deadlock), then the groups' row locks (which
 * the flush takes too): two replicas handling alerts of one group at once cannot both open it.
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
  if (requests.length === 0) return [];
  const byGroup = new Map<string, Pending>();
  requests.forEach((request, index) => {
    const key = groupKey(request.labels);
    const id = lockName(request.receiver, key);
    const pending = byGroup.get(id) ?? { receiver: request.receiver, key, requests: [] };
    pending.requests.push({ index, request });
    byGroup.set(id, pending);
  });
  // One order for every replica: locks taken in it cannot form a cycle.
  const ids = [...byGroup.keys()].sort();
  const groups = ids.map((id) => byGroup.get(id) as Pending);

  return inTransaction(db.pool, async (client) => {
    await client.query(
      `SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))
         FROM (SELECT k FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n) ordered`,
      [ids],
    );
    const locked = await lockGroups(client, groups, now);
    const decisions: GroupDecision[] = new Array(requests.length);
    const updates: GroupUpdate[] = [];
    const folds: { groupId: string; sequence: number; request: GroupRequest }[] = [];
    const known = await client.query<{ group_id: string; alert_id: string }>(
      `SELECT group_id, alert_id FROM alert_group_members
        WHERE group_id = ANY($1::uuid[]) AND alert_id = ANY($2::uuid[])`,
      [[...locked.values()].map((group) => group.id), requests.map((request) => request.alertId)],
    );
    const alreadyFolded = new Set(known.rows.map((row) => `${row.group_id}/${row.alert_id}`));

    for (const pending of groups) {
      const group = locked.get(lockName(pending.receiver, pending.key)) as LockedGroup;
      const decided = decideOne(group, pending, alreadyFolded, now);
      for (const { index, decision } of decided.decisions) decisions[index] = decision;
      updates.push(decided.update);
      for (const request of decided.folded) {
        folds.push({ groupId: group.id, sequence: group.digest_seq + 1, request });
      }
    }
    await writeUpdates(client, updates);
    if (folds.length > 0) {
      // Counted into the digest after the last one sent: digest_seq + 1.
      await client.query(
        `INSERT INTO alert_group_members (group_id, alert_id, digest_seq, alert_time, agent, folded_at)
         SELECT t.group_id, t.alert_id, t.digest_seq, t.alert_time, t.agent, $6
           FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::timestamptz[], $5::text[])
             AS t(group_id, alert_id, digest_seq, alert_time, agent)
         ON CONFLICT (group_id, alert_id) DO NOTHING`,
        [
          folds.map((fold) => fold.groupId),
          folds.map((fold) => fold.request.alertId),
          folds.map((fold) => fold.sequence),
          folds.map((fold) => fold.request.alertTime),
          folds.map((fold) => fold.request.agent ?? null),
          now,
        ],
      );
    }
    return decisions;
  });
}

type Client = Parameters<Parameters<typeof inTransaction>[1]>[0];

// Creates the groups that do not exist yet and row-locks them all. A group deleted as idle
// between the insert and the lock (the flush scan's prune) is created again: the advisory
// lock keeps other deciders out meanwhile, so the second round finds every row.
async function lockGroups(
  client: Client,
  groups: readonly Pending[],
  now: Date,
): Promise<Map<string, LockedGroup>> {
  const locked = new Map<string, LockedGroup>();
  for (let round = 0; round < 2 && locked.size < groups.length; round += 1) {
    const missing = groups.filter((group) => !locked.has(lockName(group.receiver, group.key)));
    const first = missing.map((group) => (group.requests[0] as { request: GroupRequest }).request);
    await client.query(
      `INSERT INTO alert_groups (id, receiver, group_key, labels, group_wait_ms, group_interval_ms,
                                 repeat_interval_ms, first_alert_at, last_alert_at, flush_due_at)
       SELECT gen_random_uuid(), t.receiver, t.group_key, t.labels, t.wait, t.interval, t.repeat,
              t.alert_time, t.alert_time,
              CASE WHEN t.wait > 0 THEN $8::timestamptz + make_interval(secs => t.wait::double precision / 1000) END
         FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::int[], $5::int[], $6::int[], $7::timestamptz[])
              WITH ORDINALITY AS t(receiver, group_key, labels, wait, interval, repeat, alert_time, n)
        ORDER BY t.n
       ON CONFLICT (receiver, group_key) DO NOTHING`,
      [
        missing.map((group) => group.receiver),
        missing.map((group) => group.key),
        first.map((request) => JSON.stringify(request.labels)),
        first.map((request) => request.settings.groupWaitMs),
        first.map((request) => request.settings.groupIntervalMs),
        first.map((request) => request.settings.repeatIntervalMs),
        first.map((request) => request.alertTime),
        now,
      ],
    );
    const { rows } = await client.query<LockedGroup>(
      `SELECT g.id, g.receiver, g.group_key, g.opened_by, g.last_notified_at, g.flush_due_at, g.digest_seq
         FROM alert_groups g
         JOIN unnest($1::text[], $2::text[]) AS t(receiver, group_key)
           ON g.receiver = t.receiver AND g.group_key = t.group_key
        ORDER BY g.receiver, g.group_key
          FOR UPDATE OF g`,
      [missing.map((group) => group.receiver), missing.map((group) => group.key)],
    );
    for (const row of rows) locked.set(lockName(row.receiver, row.group_key), row);
  }
  if (locked.size < groups.length) {
    throw new Error('alert groups vanished while being locked twice in a row');
  }
  return locked;
}

interface GroupUpdate {
  id: string;
  openedBy: string | null;
  lastNotifiedAt: Date | null;
  flushDueAt: Date | null;
  firstAlertAt: Date;
  lastAlertAt: Date;
  settings: GroupingSettings;
  latest: GroupRequest | undefined;
}

function decideOne(
  group: LockedGroup,
  pending: Pending,
  alreadyFolded: Set<string>,
  now: Date,
): {
  decisions: { index: number; decision: GroupDecision }[];
  update: GroupUpdate;
  folded: GroupRequest[];
} {
  const settings = (pending.requests[0] as { request: GroupRequest }).request.settings;
  let { opened_by: openedBy, last_notified_at: lastNotifiedAt, flush_due_at: flushDueAt } = group;
  const folded: GroupRequest[] = [];
  const notify = { kind: 'notify', groupId: group.id } as const;
  const fold = { kind: 'fold', groupId: group.id } as const;

  const decisions = pending.requests.map(({ index, request }) => {
    const seen = `${group.id}/${request.alertId}`;
    const foldUntil = (due: Date) => {
      flushDueAt ??= due;
      if (!alreadyFolded.has(seen)) folded.push(request);
      alreadyFolded.add(seen);
      return { index, decision: fold };
    };

    if (request.alertId === openedBy) return { index, decision: notify };
    if (alreadyFolded.has(seen)) return { index, decision: fold };
    if (lastNotifiedAt === null) {
      if (settings.groupWaitMs > 0)
        return foldUntil(new Date(now.getTime() + settings.groupWaitMs));
      openedBy = request.alertId;
      lastNotifiedAt = now;
      return { index, decision: notify };
    }
    const quietMs = now.getTime() - lastNotifiedAt.getTime();
    if (quietMs >= settings.repeatIntervalMs && flushDueAt === null) {
      openedBy = request.alertId;
      lastNotifiedAt = now;
      return { index, decision: notify };
    }
    const nextTick = lastNotifiedAt.getTime() + settings.groupIntervalMs;
    return foldUntil(new Date(Math.max(nextTick, now.getTime())));
  });

  const times = pending.requests.map(({ request }) => request.alertTime.getTime());
  return {
    decisions,
    folded,
    update: {
      id: group.id,
      openedBy,
      lastNotifiedAt,
      flushDueAt,
      firstAlertAt: new Date(Math.min(...times)),
      lastAlertAt: new Date(Math.max(...times)),
      settings,
      latest: folded.at(-1),
    },
  };
}

async function writeUpdates(client: Client, updates: readonly GroupUpdate[]): Promise<void> {
  await client.query(
    `UPDATE alert_groups g
        SET opened_by = t.opened_by, last_notified_at = t.last_notified_at,
            flush_due_at = t.flush_due_at,
            first_alert_at = LEAST(g.first_alert_at, t.first_alert_at),
            last_alert_at = GREATEST(g.last_alert_at, t.last_alert_at),
            group_wait_ms = t.wait, group_interval_ms = t.interval, repeat_interval_ms = t.repeat,
            latest_folded_id = COALESCE(t.latest_id, g.latest_folded_id),
            latest_folded_analysis = COALESCE(t.latest_analysis, g.latest_folded_analysis)
       FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[],
                   $6::timestamptz[], $7::int[], $8::int[], $9::int[], $10::uuid[], $11::jsonb[])
         AS t(id, opened_by, last_notified_at, flush_due_at, first_alert_at, last_alert_at,
              wait, interval, repeat, latest_id, latest_analysis)
      WHERE g.id = t.id`,
    [
      updates.map((u) => u.id),
      updates.map((u) => u.openedBy),
      updates.map((u) => u.lastNotifiedAt),
      updates.map((u) => u.flushDueAt),
      updates.map((u) => u.firstAlertAt),
      updates.map((u) => u.lastAlertAt),
      updates.map((u) => u.settings.groupWaitMs),
      updates.map((u) => u.settings.groupIntervalMs),
      updates.map((u) => u.settings.repeatIntervalMs),
      updates.map((u) => u.latest?.alertId ?? null),
      updates.map((u) => (u.latest ? JSON.stringify(u.latest.analysis) : null)),
    ],
  );
}
