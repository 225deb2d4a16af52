import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { deadLetterKey } from '@herald/streams';
import { addDeadLetter, authed, enrichEntries, storeFailedAlert, testApp } from './testing.ts';

function requeue(app: FastifyInstance, body: unknown) {
  return app.inject({
    method: 'POST',
    url: '/v1/dead-letters/requeue',
    headers: authed('application/json'),
    payload: JSON.stringify(body),
  });
}

describe('POST /v1/dead-letters/requeue', () => {
  test('retries the alert of a named entry (error -> new, to enrich) and removes the entry', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const id = await storeFailedAlert(db, 'a');
    const other = await storeFailedAlert(db, 'b');
    const entry = await addDeadLetter(redis, namespace, 'send', id, 'gave up: smtp 451');
    await addDeadLetter(redis, namespace, 'send', other, 'gave up: smtp 451');
    const { app } = testApp({ db, redis, namespace });

    const res = await requeue(app, { entryIds: [entry, '1-0'] });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      requeued: [{ stage: 'send', entryId: entry, alertId: id }],
      settled: [],
      kept: [],
      notFound: ['1-0'],
    });
    const { rows } = await db.pool.query<{ id: string; state: string }>(
      'SELECT id, state FROM alerts ORDER BY state',
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.state]))).toEqual({
      [id]: 'new',
      [other]: 'error',
    });
    expect((await enrichEntries(redis, namespace)).map((m) => m.alertId)).toEqual([id]);
    const left = await redis.xrange(deadLetterKey(namespace, 'send'), '-', '+');
    expect(left.map(([entryId]) => entryId)).not.toContain(entry);
    expect(left).toHaveLength(1);
  });

  test('--all: requeues every stage, removes entries whose alert already left error, keeps the rest with reasons', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const failed = await storeFailedAlert(db, 'a');
    const exhausted = await storeFailedAlert(db, 'b', { retries: 3 });
    const retriedBefore = await storeFailedAlert(db, 'c');
    await db.pool.query(`UPDATE alerts SET state = 'sent' WHERE id = $1`, [retriedBefore]);
    const gone = randomUUID();
    const e1 = await addDeadLetter(redis, namespace, 'enrich', failed, 'x');
    const e2 = await addDeadLetter(redis, namespace, 'analyze', exhausted, 'x');
    const e3 = await addDeadLetter(redis, namespace, 'format', retriedBefore, 'x');
    const e4 = await addDeadLetter(redis, namespace, 'send', gone, 'x');
    const { app } = testApp({ db, redis, namespace }, {}, { maxRetries: 3 });

    const res = await requeue(app, { all: true });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      requeued: [{ stage: 'enrich', entryId: e1, alertId: failed }],
      settled: [{ stage: 'format', entryId: e3, alertId: retriedBefore, state: 'sent' }],
      kept: [
        {
          stage: 'analyze',
          entryId: e2,
          alertId: exhausted,
          reason: 'retry limit reached: retried 3 times, the limit is 3',
        },
        { stage: 'send', entryId: e4, alertId: gone, reason: 'no such alert' },
      ],
      notFound: [],
    });
    expect(await redis.xlen(deadLetterKey(namespace, 'enrich'))).toBe(0);
    expect(await redis.xlen(deadLetterKey(namespace, 'format'))).toBe(0);
    expect(await redis.xlen(deadLetterKey(namespace, 'analyze'))).toBe(1);
    expect(await redis.xlen(deadLetterKey(namespace, 'send'))).toBe(1);

    // A second requeue of the same selection changes nothing more.
    const again = await requeue(app, { all: true });
    expect(again.json()).toMatchObject({ requeued: [], settled: [] });
  });

  test('an entry id found in two stages without a stage named is refused, nothing requeued', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const id = await storeFailedAlert(db, 'a');
    const other = await storeFailedAlert(db, 'b');
    // Ids are unique per stream only: the same id in two stages' dead letters.
    for (const [stage, alertId] of [
      ['enrich', id],
      ['send', other],
    ] as const) {
      await redis.xadd(
        deadLetterKey(namespace, stage),
        '1765000000000-0',
        'alert',
        alertId,
        'attempt',
        '3',
      );
    }
    const { app } = testApp({ db, redis, namespace });

    const res = await requeue(app, { entryIds: ['1765000000000-0'] });
    expect([res.statusCode, res.json()]).toEqual([
      400,
      { error: 'entry 1765000000000-0 is in the dead letters of enrich and send; name the stage' },
    ]);
    expect(await redis.xlen(deadLetterKey(namespace, 'enrich'))).toBe(1);

    const named = await requeue(app, { stage: 'send', entryIds: ['1765000000000-0'] });
    expect(named.json()).toMatchObject({ requeued: [{ stage: 'send', alertId: other }] });
  });

  test('a stage limits the search; bad bodies get 400 naming the problem', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const id = await storeFailedAlert(db, 'a');
    const entry = await addDeadLetter(redis, namespace, 'send', id, 'x');
    const { app } = testApp({ db, redis, namespace });

    const elsewhere = await requeue(app, { stage: 'enrich', entryIds: [entry] });
    expect(elsewhere.json()).toMatchObject({ requeued: [], notFound: [entry] });

    const cases: [unknown, string][] = [
      [{}, 'name the entries with "entryIds": [...] or ask for "all": true'],
      [{ entryIds: [] }, 'entryIds must name at least one entry'],
      [{ entryIds: ['x'] }, 'entryIds.0 must be a stream entry id such as 1765000000000-0'],
      [{ all: true, stage: 'ingest' }, 'stage must be one of enrich, analyze, format, send'],
      [{ all: false }, 'all must be true'],
    ];
    for (const [body, error] of cases) {
      const res = await requeue(app, body);
      expect([res.statusCode, res.json()], JSON.stringify(body)).toEqual([400, { error }]);
    }
    expect(await redis.xlen(deadLetterKey(namespace, 'send'))).toBe(1);
  });
});
