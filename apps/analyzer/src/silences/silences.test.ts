import { createSilence, expireSilence, type Database } from '@herald/db';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { describe, expect } from 'vitest';
import { createAnalyzeHandler } from '../handler.ts';
import { manualClock, seedClaimed, sshAlert } from '../grouping/test-support.ts';
import { SilenceCache } from './cache.ts';

const context = { logger: createSilentLogger(), signal: new AbortController().signal };
const HOUR = 3_600_000;
// The handlers' clock starts at noon: a silence expired at this time no longer applies.
const beforeNoon = new Date('2026-12-04T11:59:00.000Z');

function setup(db: Database, clock = manualClock(), ttlMs = 0) {
  const silences = new SilenceCache({ db, ttlMs, now: clock.now });
  return createAnalyzeHandler(
    { minLevel: 0, defaultReceiver: 'soc' },
    { silences, now: clock.now },
  );
}

async function silence(
  db: Database,
  matchers: { name: string; value: string; isRegex?: boolean; isEqual?: boolean }[],
  window: { startsAt?: Date; endsAt?: Date } = {},
) {
  return createSilence(db.pool, {
    matchers: matchers.map((m) => ({ isRegex: false, isEqual: true, ...m })),
    startsAt: window.startsAt ?? new Date('2026-12-04T11:00:00.000Z'),
    endsAt: window.endsAt ?? new Date('2026-12-04T14:00:00.000Z'),
    author: 'ana',
    comment: 'test',
  });
}

/** The outcome of one corpus sshd alert (rule 5712, agent 000, srcip 172.17.1.1). */
async function outcome(db: Database, handler: ReturnType<typeof setup>) {
  const [result] = await handler.process(
    await seedClaimed(db, 1, sshAlert, crypto.randomUUID()),
    context,
  );
  return result;
}

describe('silences in the analyzer', () => {
  test('an equality silence suppresses the alert, naming the silence', async ({ db }) => {
    const s = await silence(db, [{ name: 'rule.id', value: '5712' }]);
    expect(await outcome(db, setup(db))).toMatchObject({
      kind: 'done',
      to: 'suppressed',
      note: `silenced by ${s.id}`,
      analysis: { receivers: [] },
    });
  });

  test('a silence on another value lets the alert through', async ({ db }) => {
    await silence(db, [{ name: 'rule.id', value: '5710' }]);
    const result = await outcome(db, setup(db));
    expect(result).toMatchObject({ kind: 'done', analysis: { receivers: ['soc'] } });
    expect(result?.kind === 'done' && result.to).toBeUndefined();
  });

  test('a regex silence matches the whole value', async ({ db }) => {
    const partial = await silence(db, [{ name: 'data.srcip', value: '172\\.17', isRegex: true }]);
    expect(await outcome(db, setup(db))).not.toMatchObject({ to: 'suppressed' });
    await expireSilence(db.pool, partial.id, beforeNoon);
    const whole = await silence(db, [
      { name: 'data.srcip', value: '172\\.17\\..*', isRegex: true },
    ]);
    expect(await outcome(db, setup(db))).toMatchObject({ note: `silenced by ${whole.id}` });
  });

  test('negative matchers silence what is not named', async ({ db }) => {
    const notOther = await silence(db, [
      { name: 'agent.name', value: 'web-01', isEqual: false },
      { name: 'rule.groups', value: 'sshd' },
    ]);
    expect(await outcome(db, setup(db))).toMatchObject({ note: `silenced by ${notOther.id}` });
    await expireSilence(db.pool, notOther.id, beforeNoon);
    await silence(db, [
      { name: 'rule.id', value: '5712' },
      { name: 'rule.groups', value: 'auth.*', isRegex: true, isEqual: false },
    ]);
    expect(await outcome(db, setup(db))).not.toMatchObject({ to: 'suppressed' });
  });

  test('a silence applies only inside its window, and no longer once expired', async ({ db }) => {
    const clock = manualClock(new Date('2026-12-04T12:00:00.000Z'));
    const handler = setup(db, clock);
    const s = await silence(db, [{ name: 'rule.id', value: '5712' }], {
      startsAt: new Date('2026-12-04T13:00:00.000Z'),
      endsAt: new Date('2026-12-04T15:00:00.000Z'),
    });
    expect(await outcome(db, handler)).not.toMatchObject({ to: 'suppressed' });
    clock.advance(HOUR);
    expect(await outcome(db, handler)).toMatchObject({ note: `silenced by ${s.id}` });
    await expireSilence(db.pool, s.id, clock.now());
    clock.advance(1);
    expect(await outcome(db, handler)).not.toMatchObject({ to: 'suppressed' });
    clock.advance(2 * HOUR);
    expect(await outcome(db, handler)).not.toMatchObject({ to: 'suppressed' });
  });

  test('the active silences are read once per TTL, not per alert', async ({ db }) => {
    const clock = manualClock(new Date('2026-12-04T12:00:00.000Z'));
    const handler = setup(db, clock, 5_000);
    expect(await outcome(db, handler)).not.toMatchObject({ to: 'suppressed' });
    const s = await silence(db, [{ name: 'rule.id', value: '5712' }]);
    // Still the list read before the silence existed.
    expect(await outcome(db, handler)).not.toMatchObject({ to: 'suppressed' });
    clock.advance(5_000);
    expect(await outcome(db, handler)).toMatchObject({ note: `silenced by ${s.id}` });
  });

  test('a stored silence that would hold for every alert is skipped and reported', async ({
    db,
  }) => {
    // Stored before the API refused it: a typo in the field of a negative matcher.
    const typo = await silence(db, [{ name: 'rule.idd', value: '5710', isEqual: false }]);
    const unreadable: string[] = [];
    const silences = new SilenceCache({
      db,
      ttlMs: 0,
      now: manualClock().now,
      onUnreadable: ({ silenceId }) => unreadable.push(silenceId),
    });
    const handler = createAnalyzeHandler(
      { minLevel: 0, defaultReceiver: 'soc' },
      { silences, now: manualClock().now },
    );
    expect(await outcome(db, handler)).toMatchObject({ analysis: { receivers: ['soc'] } });
    expect(await outcome(db, handler)).toMatchObject({ analysis: { receivers: ['soc'] } });
    expect(unreadable).toEqual([typo.id]); // once, though the list was read twice
  });

  test('enrichment facts can be silenced on', async ({ db }) => {
    const s = await silence(db, [{ name: 'enrichment.kind', value: 'manager' }]);
    expect(await outcome(db, setup(db))).toMatchObject({ note: `silenced by ${s.id}` });
  });
});
