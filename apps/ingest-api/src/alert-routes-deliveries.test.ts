// GET /v1/alerts/:id over a real socket: every delivery with its receiver, channel,
// status, attempts, receipt and last error, as an operator's client reads it.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { insertAlerts } from '@herald/db';
import { test } from '@herald/db/testing';
import { authed, testApp } from './testing.ts';

test('GET /v1/alerts/:id lists each delivery with its receipt or its last error', async ({
  db,
  redis: { redis, namespace },
}) => {
  const { app } = testApp({ db, redis, namespace });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const [ref] = await insertAlerts(
      db,
      [{ identityKey: randomUUID(), body: { rule: { id: '5712' } } }],
      {
        service: 'test',
        replica: 't',
      },
    );
    const slackReceipt = {
      transport: 'slack-api',
      status: 200,
      id: '1765000000.000100',
      channel: 'C0SOC',
      acceptedAt: '2026-12-04T12:00:00.000Z',
    };
    const pdReceipt = {
      transport: 'pagerduty',
      status: 202,
      id: 'herald-a',
      response: 'Event processed',
      acceptedAt: '2026-12-04T12:00:01.000Z',
    };
    await db.pool.query(
      `INSERT INTO deliveries (id, alert_id, receiver, channel, status, attempts, message_key, rendered, receipt, last_error, delivered_at)
       VALUES (gen_random_uuid(), $1, 'soc-chat', 'slack', 'delivered', 1, 'k1', '{}', $2, NULL, now()),
              (gen_random_uuid(), $1, 'oncall', 'pagerduty', 'delivered', 2, 'k2', '{}', $3, NULL, now()),
              (gen_random_uuid(), $1, 'team', 'teams', 'failed', 1, 'k3', '{}', NULL,
               'Teams workflow refused the message (400): InvalidRequestContent', NULL),
              (gen_random_uuid(), $1, 'hook', 'webhook', 'pending', 0, 'k4', '{}', NULL,
               'hook: webhook rate limited (429)', NULL)`,
      [ref!.id, JSON.stringify(slackReceipt), JSON.stringify(pdReceipt)],
    );

    const response = await fetch(`${address}/v1/alerts/${ref!.id}`, { headers: authed() });
    expect(response.status).toBe(200);
    const view = (await response.json()) as { deliveries: Record<string, unknown>[] };
    expect(view.deliveries).toMatchObject([
      {
        receiver: 'hook',
        channel: 'webhook',
        status: 'pending',
        attempts: 0,
        receipt: null,
        lastError: 'hook: webhook rate limited (429)',
      },
      {
        receiver: 'oncall',
        channel: 'pagerduty',
        status: 'delivered',
        attempts: 2,
        receipt: pdReceipt,
        lastError: null,
      },
      {
        receiver: 'soc-chat',
        channel: 'slack',
        status: 'delivered',
        attempts: 1,
        receipt: slackReceipt,
        lastError: null,
      },
      {
        receiver: 'team',
        channel: 'teams',
        status: 'failed',
        attempts: 1,
        receipt: null,
        lastError: 'Teams workflow refused the message (400): InvalidRequestContent',
      },
    ]);
    for (const delivery of view.deliveries) {
      expect(delivery.updatedAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    }
    expect(view.deliveries[2]!.deliveredAt).toEqual(expect.stringMatching(/^\d{4}-/));
  } finally {
    await app.close();
  }
});
