import { describe, expect } from 'vitest';
import type { RenderedEmail, RenderedMessage } from '@herald/contracts';
import { inTransaction, type Database } from '@herald/db';
import { test } from '@herald/db/testing';
import { renderEmail } from './email/render.ts';
import { insertPendingDeliveries } from './pending-deliveries.ts';
import { messageKey } from './receivers.ts';
import { corpusAlerts, emailInputFor } from './test-fixtures.ts';

/** `count` alerts in state `formatting`, by id. */
async function storedAlerts(db: Database, count: number): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO alerts (id, identity_key, body, state)
     SELECT gen_random_uuid(), 'pending-deliveries-' || n, '{}', 'formatting'
       FROM generate_series(1, $1::int) AS n
     RETURNING id`,
    [count],
  );
  return rows.map((row) => row.id);
}

function emailFor(alertId: string): RenderedEmail {
  return renderEmail(emailInputFor(corpusAlerts()[0]!.alert, alertId));
}

describe('insertPendingDeliveries', () => {
  test('stores each message pending, as the very JSON text rendered, compressed with lz4', async ({
    db,
  }) => {
    const [first, second] = await storedAlerts(db, 2);
    const messages = { [first!]: emailFor(first!), [second!]: emailFor(second!) };
    await inTransaction(db.pool, (client) =>
      insertPendingDeliveries(
        client,
        Object.entries(messages).map(([alertId, rendered]) => ({
          alertId,
          receiver: 'ops email',
          channel: 'email',
          rendered,
        })),
      ),
    );

    const { rows } = await db.pool.query(
      `SELECT alert_id, receiver, channel, status, attempts, message_key, rendered,
              rendered::text AS text, pg_column_compression(rendered) AS compression
         FROM deliveries`,
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const message = messages[row.alert_id as string];
      expect(row).toMatchObject({
        receiver: 'ops email',
        channel: 'email',
        status: 'pending',
        attempts: 0,
        message_key: messageKey(row.alert_id, 'ops email'),
        rendered: message,
      });
      // json keeps the text as sent; jsonb would reorder the keys and re-space it.
      expect(row.text).toBe(JSON.stringify(message));
      expect(row.compression).toBe('lz4');
    }
  });

  test('keeps the first render of an alert for a receiver', async ({ db }) => {
    const [alertId] = await storedAlerts(db, 1);
    const first = emailFor(alertId!);
    const retried = { ...first, subject: 'rendered again after a crash' };
    for (const rendered of [first, retried]) {
      await inTransaction(db.pool, (client) =>
        insertPendingDeliveries(client, [
          { alertId: alertId!, receiver: 'ops', channel: 'email', rendered },
        ]),
      );
    }

    const { rows } = await db.pool.query(`SELECT rendered FROM deliveries`);
    expect(rows.map((row) => row.rendered.subject)).toEqual([first.subject]);
  });

  test('stores more rows than one statement has parameters for', async ({ db }) => {
    // 6 parameters a row, at most 65,535 a statement: 10,922 rows fit in one.
    const alertIds = await storedAlerts(db, 10_923);
    const rendered: RenderedMessage = {
      channel: 'email',
      from: 'herald@example.com',
      to: ['soc@example.com'],
      subject: 'one of many',
      text: 'body',
      html: '<p>body</p>',
      headers: {},
    };
    await inTransaction(db.pool, (client) =>
      insertPendingDeliveries(
        client,
        alertIds.map((alertId) => ({ alertId, receiver: 'ops', channel: 'email', rendered })),
      ),
    );

    const { rows } = await db.pool.query<{ count: string }>(
      `SELECT count(DISTINCT alert_id) AS count FROM deliveries`,
    );
    expect(Number(rows[0]!.count)).toBe(10_923);
  });

  test('an empty batch stores nothing and is no error', async ({ db }) => {
    await inTransaction(db.pool, (client) => insertPendingDeliveries(client, []));
    const { rows } = await db.pool.query(`SELECT count(*)::int AS count FROM deliveries`);
    expect(rows[0].count).toBe(0);
  });
});
