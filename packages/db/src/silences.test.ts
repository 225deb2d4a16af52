import { describe, expect } from 'vitest';
import { test } from './testing.ts';
import { activeSilences, createSilence, expireSilence, listSilences } from './silences.ts';

const HOUR = 3_600_000;
const t0 = new Date('2026-12-04T12:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const matchers = [{ name: 'rule.id', value: '5710', isRegex: false, isEqual: true }];

describe('silences', () => {
  test('a silence is active only inside its window', async ({ db }) => {
    const silence = await createSilence(db.pool, {
      matchers,
      startsAt: at(HOUR),
      endsAt: at(2 * HOUR),
      author: 'ana',
      comment: 'maintenance',
    });
    expect(silence).toMatchObject({ matchers, author: 'ana', comment: 'maintenance' });
    expect(await activeSilences(db.pool, t0)).toEqual([]);
    expect((await activeSilences(db.pool, at(HOUR))).map((s) => s.id)).toEqual([silence.id]);
    expect(await activeSilences(db.pool, at(2 * HOUR))).toEqual([]);
  });

  test('expiring ends an active silence now and keeps an ended one as it was', async ({ db }) => {
    const silence = await createSilence(db.pool, {
      matchers,
      startsAt: t0,
      endsAt: at(HOUR),
      author: 'ana',
      comment: 'c',
    });
    const expired = await expireSilence(db.pool, silence.id, at(10_000));
    expect(expired?.endsAt).toEqual(at(10_000));
    expect(await activeSilences(db.pool, at(20_000))).toEqual([]);
    const again = await expireSilence(db.pool, silence.id, at(30_000));
    expect(again?.endsAt).toEqual(at(10_000));
  });

  test('expiring a pending silence ends it before it starts', async ({ db }) => {
    const silence = await createSilence(db.pool, {
      matchers,
      startsAt: at(HOUR),
      endsAt: at(2 * HOUR),
      author: 'ana',
      comment: 'c',
    });
    const expired = await expireSilence(db.pool, silence.id, t0);
    expect(expired).toMatchObject({ startsAt: t0, endsAt: t0 });
    expect(await activeSilences(db.pool, at(HOUR))).toEqual([]);
  });

  test('expiring an unknown id or a non-UUID finds nothing', async ({ db }) => {
    expect(await expireSilence(db.pool, '0f6c1d1e-3f0b-4e55-9b1c-6f1d8a4f3a10')).toBeUndefined();
    expect(await expireSilence(db.pool, 'not-a-uuid')).toBeUndefined();
  });

  test('the list hides ended silences unless asked', async ({ db }) => {
    const ended = await createSilence(db.pool, {
      matchers,
      startsAt: t0,
      endsAt: at(1000),
      author: 'a',
      comment: 'old',
    });
    const current = await createSilence(db.pool, {
      matchers,
      startsAt: t0,
      endsAt: at(HOUR),
      author: 'a',
      comment: 'new',
    });
    const listed = await listSilences(db.pool, { now: at(2000) });
    expect(listed.map((s) => s.id)).toEqual([current.id]);
    const all = await listSilences(db.pool, { now: at(2000), includeExpired: true });
    expect(all.map((s) => s.id).sort()).toEqual([ended.id, current.id].sort());
  });
});
