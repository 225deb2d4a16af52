import { AnalysisSchema } from '@herald/contracts';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { describe, expect } from 'vitest';
import { createAnalyzeHandler } from '../handler.ts';
import { digestIdentity } from './flush.ts';
import { GroupFlusher } from './flusher.ts';
import { Grouper } from './grouper.ts';
import { enrichment, manualClock, seedClaimed, settings, sshAlert } from './test-support.ts';
import type { AttemptResult, Database } from '@herald/db';
import type { Redis } from 'ioredis';

const context = { logger: createSilentLogger(), signal: new AbortController().signal };
const rules = { minLevel: 0, defaultReceiver: 'soc' };
const actor = { service: 'analyzer', replica: 'test' };

function setup(
  db: Database,
  redis: { redis: Redis; namespace: string; url: string },
  clock: ReturnType<typeof manualClock>,
  overrides: Parameters<typeof settings>[0] = {},
) {
  const grouper = new Grouper({ db, defaults: settings(overrides), now: clock.now });
  const handler = createAnalyzeHandler(rules, { grouper, now: clock.now });
  const flusher = new GroupFlusher({
    db,
    redis: redis.redis,
    redisUrl: redis.url,
    namespace: redis.namespace,
    actor,
    scanIntervalMs: 60_000,
    scheduleCheckMs: 60_000,
    limit: 10,
    now: clock.now,
  });
  return { grouper, handler, flusher };
}

async function digests(db: Database) {
  const { rows } = await db.pool.query<{
    id: string;
    identity_key: string;
    state: string;
    analysis: unknown;
  }>(
    `SELECT id, identity_key, state, analysis FROM alerts WHERE identity_key LIKE 'digest:%' ORDER BY identity_key`,
  );
  return rows.map((row) => ({ ...row, analysis: AnalysisSchema.parse(row.analysis) }));
}

const notified = (results: AttemptResult[]) =>
  results.filter((r) => r.kind === 'done' && r.to === undefined);
const folded = (results: AttemptResult[]) =>
  results.filter(
    (r) => r.kind === 'done' && r.to === 'suppressed' && r.note?.startsWith('grouped into '),
  );

describe('grouping', () => {
  test("group_by ['...'] turns grouping off: every alert notifies and no group is kept", async ({
    db,
    redis,
  }) => {
    const clock = manualClock();
    const { handler } = setup(db, redis, clock, { groupBy: ['...'] });
    const alerts = await seedClaimed(db, 20);

    const results = await handler.process(alerts, context);

    expect(notified(results)).toHaveLength(20);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM alert_groups');
    expect(rows[0].n).toBe(0);
  });

  test('a burst of 500 identical alerts gives one message, then one digest counting 499', async ({
    db,
    redis,
  }) => {
    const clock = manualClock();
    const { handler, flusher } = setup(db, redis, clock, { groupIntervalMs: 300_000 });
    const alerts = await seedClaimed(db, 500);

    const results: AttemptResult[] = [];
    for (let i = 0; i < alerts.length; i += 100) {
      results.push(...(await handler.process(alerts.slice(i, i + 100), context)));
      clock.advance(10);
    }
    expect(notified(results)).toHaveLength(1);
    expect(notified(results)[0]).toMatchObject({
      id: alerts[0]!.id,
      analysis: { receivers: ['soc'] },
    });
    expect(folded(results)).toHaveLength(499);
    const groupId = /^grouped into (\S+) for soc$/.exec(
      (folded(results)[0] as { note: string }).note,
    )?.[1];
    expect(groupId).toBeDefined();

    // Not due yet: nothing flushed.
    expect(await flusher.flushOnce()).toBe(0);
    clock.advance(300_000);
    expect(await flusher.flushOnce()).toBe(1);
    expect(await flusher.flushOnce()).toBe(0);

    const [digest, ...others] = await digests(db);
    expect(others).toEqual([]);
    expect(digest).toMatchObject({ identity_key: digestIdentity(groupId!, 1), state: 'analyzed' });
    expect(digest!.analysis.receivers).toEqual(['soc']);
    expect(digest!.analysis.group).toMatchObject({
      kind: 'digest',
      groupId,
      receiver: 'soc',
      sequence: 1,
      count: 499,
      firstAt: '2022-05-11T12:29:19.905Z',
      lastAt: '2022-05-11T12:29:19.905Z',
      agents: ['localhost.localdomain'],
      labels: { 'rule.id': '5712', 'agent.id': '000', 'data.srcip': '172.17.1.1' },
    });
    expect(digest!.analysis.group!.alertIds).toHaveLength(10);
    // Handed to the formatter like any analysed alert.
    const entries = await redis.redis.xrange(`{${redis.namespace}}:format`, '-', '+');
    expect(entries.map(([, fields]) => fields[1])).toEqual([digest!.id]);
  });

  test('the repeat interval re-notifies; inside it, alerts fold', async ({ db, redis }) => {
    const clock = manualClock();
    const { handler, flusher } = setup(db, redis, clock, {
      groupIntervalMs: 1_000,
      repeatIntervalMs: 10_000,
    });
    const [a, b, c, d] = await seedClaimed(db, 4);

    expect(notified(await handler.process([a!], context))).toHaveLength(1);
    clock.advance(500);
    expect(folded(await handler.process([b!], context))).toHaveLength(1);
    clock.advance(500);
    expect(await flusher.flushOnce()).toBe(1);
    // The digest counts as the group's message: 5 s later is inside the repeat interval.
    clock.advance(5_000);
    expect(folded(await handler.process([c!], context))).toHaveLength(1);
    clock.advance(1_000);
    expect(await flusher.flushOnce()).toBe(1);
    // Quiet for the whole repeat interval: the next alert goes out on its own.
    clock.advance(10_000);
    expect(notified(await handler.process([d!], context))).toHaveLength(1);
    expect((await digests(db)).map((x) => x.analysis.group?.count)).toEqual([1, 1]);
  });

  test('a group quiet for its repeat interval is forgotten; members of sent digests too', async ({
    db,
    redis,
  }) => {
    const clock = manualClock();
    const { handler, flusher } = setup(db, redis, clock, {
      groupIntervalMs: 1_000,
      repeatIntervalMs: 10_000,
    });
    const [a, b, c] = await seedClaimed(db, 3);
    await handler.process([a!, b!], context);
    clock.advance(1_000);
    expect(await flusher.flushOnce()).toBe(1);
    await handler.process([c!], context);
    clock.advance(1_000);
    expect(await flusher.flushOnce()).toBe(1);
    const members = await db.pool.query<{ alert_id: string }>(
      'SELECT alert_id FROM alert_group_members',
    );
    expect(members.rows.map((row) => row.alert_id)).toEqual([c!.id]);

    clock.advance(9_999);
    await flusher.flushOnce();
    expect((await db.pool.query('SELECT id FROM alert_groups')).rowCount).toBe(1);
    clock.advance(2);
    await flusher.flushOnce();
    expect((await db.pool.query('SELECT id FROM alert_groups')).rowCount).toBe(0);
  });

  test('a due flush with nothing new sends nothing', async ({ db, redis }) => {
    const clock = manualClock();
    const { handler, flusher } = setup(db, redis, clock, { groupIntervalMs: 1_000 });
    await handler.process(await seedClaimed(db, 1), context);
    clock.advance(5_000);
    expect(await flusher.flushOnce()).toBe(0);
    expect(await digests(db)).toEqual([]);
  });

  test('with a group wait, the first alerts wait and go out together as one digest', async ({
    db,
    redis,
  }) => {
    const clock = manualClock();
    const { handler, flusher } = setup(db, redis, clock, { groupWaitMs: 2_000 });
    const results = await handler.process(await seedClaimed(db, 3), context);
    expect(folded(results)).toHaveLength(3);
    clock.advance(1_999);
    expect(await flusher.flushOnce()).toBe(0);
    clock.advance(1);
    expect(await flusher.flushOnce()).toBe(1);
    expect((await digests(db))[0]!.analysis.group?.count).toBe(3);
  });

  test('alerts of other rules, agents or source IPs form their own groups', async ({
    db,
    redis,
  }) => {
    const clock = manualClock();
    const { handler } = setup(db, redis, clock);
    const same = await seedClaimed(db, 2, sshAlert, 'same');
    const otherIp = await seedClaimed(db, 1, { ...sshAlert, data: { srcip: '192.0.2.1' } }, 'ip');
    const otherRule = await seedClaimed(
      db,
      1,
      { ...sshAlert, rule: { ...(sshAlert.rule as object), id: '5710' } },
      'rule',
    );
    const results = await handler.process([...same, ...otherIp, ...otherRule], context);
    expect(
      notified(results)
        .map((r) => r.id)
        .sort(),
    ).toEqual([same[0]!.id, otherIp[0]!.id, otherRule[0]!.id].sort());
  });

  test('two replicas handling one new group at once open it once', async ({ db, redis }) => {
    const clock = manualClock();
    const alerts = await seedClaimed(db, 20);
    const replicas = [setup(db, redis, clock).handler, setup(db, redis, clock).handler];
    const results = (
      await Promise.all(
        replicas.flatMap((handler, r) =>
          alerts.filter((_, i) => i % 2 === r).map((alert) => handler.process([alert], context)),
        ),
      )
    ).flat();
    expect(notified(results)).toHaveLength(1);
    expect(folded(results)).toHaveLength(19);
  });

  test('replicas deciding overlapping groups in opposite orders neither deadlock nor double-open', async ({
    db,
    redis,
  }) => {
    const clock = manualClock();
    const rules = ['5710', '5712', '5715', '5716', '5720'];
    const batch = async (tag: string) =>
      (
        await Promise.all(
          rules.map((id) =>
            seedClaimed(
              db,
              1,
              { ...sshAlert, rule: { ...(sshAlert.rule as object), id } },
              `${tag}${id}`,
            ),
          ),
        )
      ).flat();
    const results: AttemptResult[] = [];
    for (let round = 0; round < 5; round += 1) {
      const [forward, backward] = [
        await batch(`f${round}-`),
        (await batch(`b${round}-`)).reverse(),
      ];
      const [a, b] = [setup(db, redis, clock).handler, setup(db, redis, clock).handler];
      results.push(
        ...(await Promise.all([a.process(forward, context), b.process(backward, context)])).flat(),
      );
    }
    expect(results.every((r) => r.kind === 'done')).toBe(true);
    expect(notified(results)).toHaveLength(rules.length);
    expect(folded(results)).toHaveLength(rules.length * 9);
  });

  test('deciding an alert again gives the same answer and counts it once', async ({
    db,
    redis,
  }) => {
    const clock = manualClock();
    const { handler, flusher } = setup(db, redis, clock);
    const [opener, repeat] = await seedClaimed(db, 2);
    await handler.process([opener!, repeat!], context);
    // A replica took the batch over after the first had decided: same decisions again.
    const again = await handler.process([opener!, repeat!], context);
    expect(notified(again).map((r) => r.id)).toEqual([opener!.id]);
    expect(folded(again).map((r) => r.id)).toEqual([repeat!.id]);
    clock.advance(60_000);
    await flusher.flushOnce();
    expect((await digests(db))[0]!.analysis.group?.count).toBe(1);
  });

  test('an alert folded for one receiver still goes to the others', async ({ db, redis }) => {
    const clock = manualClock();
    const grouper = new Grouper({ db, defaults: settings(), now: clock.now });
    const [first, second] = await seedClaimed(db, 2);
    const input = (id: string, receivers: string[]) => ({
      alertId: id,
      alert: sshAlert as never,
      enrichment,
      analysis: AnalysisSchema.parse({
        family: 'authentication',
        score: 50,
        priority: 'medium',
        reasons: [],
        title: 't',
        summary: 's',
        whyItMatters: 'w',
        nextSteps: [],
        explainedBy: 'rules',
        receivers,
      }),
      receivers: receivers.map((name) => ({ name })),
    });
    await grouper.assign([input(first!.id, ['soc'])]);
    const [outcome] = await grouper.assign([input(second!.id, ['soc', 'oncall'])]);
    expect(outcome?.notify).toEqual(['oncall']);
    expect(outcome?.folded.map((f) => f.receiver)).toEqual(['soc']);
  });
});
