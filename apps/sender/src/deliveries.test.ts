import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { markAttemptFailed, markDelivered, markNotAttempted, markSending } from './deliveries.ts';
import { alertWithDeliveries, deliveryRows } from './test-support.ts';

const RECEIPT = {
  transport: 'smtp',
  messageId: '<m@herald>',
  response: '250 ok',
  acceptedAt: '2026-01-01T00:00:00.000Z',
};

describe('delivery status guards', () => {
  test('a sending delivery takes the receipt, a failure or a not-attempted', async ({ db }) => {
    const alert = await alertWithDeliveries(db, {
      a: 'a@example.com',
      b: 'b@example.com',
      c: 'c@example.com',
    });
    const [a, b, c] = await deliveryRows(db, alert.id);
    expect(await markSending(db.pool, [a.id, b.id, c.id])).toEqual(new Set([a.id, b.id, c.id]));

    expect(await markDelivered(db.pool, [{ id: a.id, receipt: RECEIPT }])).toEqual(new Set([a.id]));
    expect(await markAttemptFailed(db.pool, b.id, '550 no such user', true)).toBe(true);
    expect(await markNotAttempted(db.pool, c.id, 'c: connection refused')).toBe(true);

    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { receiver: 'a', status: 'delivered', attempts: 1, receipt: RECEIPT },
      { receiver: 'b', status: 'failed', attempts: 1, last_error: '550 no such user' },
      { receiver: 'c', status: 'pending', attempts: 0, last_error: 'c: connection refused' },
    ]);
  });

  test('a delivered row is never put back to pending or failed, nor its receipt replaced', async ({
    db,
  }) => {
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });
    const [row] = await deliveryRows(db, alert.id);
    await markSending(db.pool, [row.id]);
    await markDelivered(db.pool, [{ id: row.id, receipt: RECEIPT }]);

    expect(await markAttemptFailed(db.pool, row.id, 'late 451', false)).toBe(false);
    expect(await markAttemptFailed(db.pool, row.id, 'late 550', true)).toBe(false);
    expect(await markNotAttempted(db.pool, row.id, 'late outage')).toBe(false);
    expect(
      await markDelivered(db.pool, [
        { id: row.id, receipt: { ...RECEIPT, response: '250 second copy' } },
      ]),
    ).toEqual(new Set());
    expect(await markSending(db.pool, [row.id])).toEqual(new Set());

    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { status: 'delivered', attempts: 1, receipt: RECEIPT, last_error: null },
    ]);
  });

  test('one statement marks and records a whole batch, each row with its own receipt', async ({
    db,
  }) => {
    const alert = await alertWithDeliveries(db, { a: 'a@example.com', b: 'b@example.com' });
    const [a, b] = await deliveryRows(db, alert.id);
    await markSending(db.pool, [a.id, b.id]);
    const recorded = await markDelivered(db.pool, [
      { id: a.id, receipt: { ...RECEIPT, messageId: '<a@herald>' } },
      { id: b.id, receipt: { ...RECEIPT, messageId: '<b@herald>' } },
    ]);
    expect(recorded).toEqual(new Set([a.id, b.id]));
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { receiver: 'a', status: 'delivered', receipt: { messageId: '<a@herald>' } },
      { receiver: 'b', status: 'delivered', receipt: { messageId: '<b@herald>' } },
    ]);
  });

  test('a row that is not sending takes no receipt', async ({ db }) => {
    const alert = await alertWithDeliveries(db, { soc: 'soc@example.com' });
    const [row] = await deliveryRows(db, alert.id);

    expect(await markDelivered(db.pool, [{ id: row.id, receipt: RECEIPT }])).toEqual(new Set());
    expect(await markAttemptFailed(db.pool, row.id, '550', true)).toBe(false);
    expect(await deliveryRows(db, alert.id)).toMatchObject([{ status: 'pending', receipt: null }]);
  });
});
