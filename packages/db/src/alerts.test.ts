import { describe, expect } from 'vitest';
import { test } from './testing.ts';
import { getAlertView, insertAlerts, type NewAlert } from './alerts.ts';

const actor = { service: 'test', replica: 'r1' };
const alert = (key: string, level = 5): NewAlert => ({
  identityKey: key,
  ruleId: '100',
  ruleLevel: level,
  body: { rule: { id: '100', level }, note: key },
});

describe('insertAlerts', () => {
  test('stores new alerts in state new with a first history row, in input order', async ({ db }) => {
    const refs = await insertAlerts(db, [alert('a'), alert('b')], actor);
    expect(refs.map((r) => [r.identityKey, r.created, r.state])).toEqual([
      ['a', true, 'new'],
      ['b', true, 'new'],
    ]);
    const view = await getAlertView(db, refs[0]!.id);
    expect(view?.alert).toEqual({ rule: { id: '100', level: 5 }, note: 'a' });
    expect(view?.history).toMatchObject([{ from: null, to: 'new', service: 'test', replica: 'r1' }]);
  });

  test('is idempotent on identity across posts and within one batch', async ({ db }) => {
    const [first] = await insertAlerts(db, [alert('a')], actor);
    const refs = await insertAlerts(db, [alert('b'), alert('a'), alert('b')], actor);
    expect(refs.map((r) => [r.identityKey, r.created])).toEqual([
      ['b', true],
      ['a', false],
      ['b', false],
    ]);
    expect(refs[1]!.id).toBe(first!.id);
    expect(refs[2]!.id).toBe(refs[0]!.id);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM alerts');
    expect(rows[0].n).toBe(2);
  });

  test('two concurrent posts of the same alert store it once', async ({ db }) => {
    const [a, b] = await Promise.all([
      insertAlerts(db, [alert('same')], actor),
      insertAlerts(db, [alert('same')], actor),
    ]);
    expect(a![0]!.id).toBe(b![0]!.id);
    expect([a![0]!.created, b![0]!.created].sort()).toEqual([false, true]);
  });
});

describe('getAlertView', () => {
  test('answers undefined for an unknown or malformed id', async ({ db }) => {
    expect(await getAlertView(db, crypto.randomUUID())).toBeUndefined();
    expect(await getAlertView(db, 'not-a-uuid')).toBeUndefined();
  });

  test('lists every delivery by receiver: channel, status, attempts, receipt and last error', async ({ db }) => {
    const [ref] = await insertAlerts(db, [alert('with-deliveries')], actor);
    const id = ref!.id;
    const receipt = { transport: 'slack-api', status: 200, id: '1765000000.000100', acceptedAt: '2026-12-04T12:00:00.000Z' };
    await db.pool.query(
      `INSERT INTO deliveries (id, alert_id, receiver, channel, status, attempts, message_key, rendered, receipt, last_error, delivered_at)
       VALUES (gen_random_uuid(), $1, 'soc-chat', 'slack', 'delivered', 1, 'k1', '{}', $2, NULL, now()),
              (gen_random_uuid(), $1, 'oncall', 'pagerduty', 'failed', 1, 'k2', '{}', NULL, 'PagerDuty refused the message (400): bad routing key', NULL),
              (gen_random_uuid(), $1, 'mail', 'email', 'pending', 0, 'k3', '{}', NULL, NULL, NULL)`,
      [id, JSON.stringify(receipt)],
    );

    const view = await getAlertView(db, id);
    expect(view?.deliveries.map((d) => [d.receiver, d.channel, d.status, d.attempts])).toEqual([
      ['mail', 'email', 'pending', 0],
      ['oncall', 'pagerduty', 'failed', 1],
      ['soc-chat', 'slack', 'delivered', 1],
    ]);
    expect(view?.deliveries[2]).toMatchObject({ receipt, lastError: null, deliveredAt: expect.any(Date) });
    expect(view?.deliveries[1]).toMatchObject({
      receipt: null,
      lastError: 'PagerDuty refused the message (400): bad routing key',
      deliveredAt: null,
      updatedAt: expect.any(Date),
    });
  });
});

describe('insertAlerts under concurrency', () => {
  test('many concurrent posts of one alert all get its id, and exactly one created it', async ({ db }) => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => insertAlerts(db, [alert('contended'), alert(`own-${Math.random()}`)], actor)),
    );
    const ids = new Set(results.map((refs) => refs[0]!.id));
    expect(ids.size).toBe(1);
    expect(results.filter((refs) => refs[0]!.created)).toHaveLength(1);
  });
});
