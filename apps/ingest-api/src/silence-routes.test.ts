import { describe, expect } from 'vitest';
import type { InjectOptions } from 'fastify';
import { activeSilences } from '@herald/db';
import { test } from '@herald/db/testing';
import { TEST_KEYS, authed, testApp } from './testing.ts';

const post = (payload: unknown, contentType = 'application/json'): InjectOptions => ({
  method: 'POST',
  url: '/v1/silences',
  headers: authed(contentType),
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
});

const valid = {
  matchers: ['rule.id=5710', { name: 'agent.name', value: 'web-.*', isRegex: true }],
  duration: '2h',
  author: 'ana',
  comment: 'patching web-01',
};

describe('silence routes', () => {
  test('create, list and expire a silence over a real socket', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const headers = {
        authorization: `Bearer ${TEST_KEYS[0]}`,
        'content-type': 'application/json',
      };
      const created = await fetch(`${address}/v1/silences`, {
        method: 'POST',
        headers,
        body: JSON.stringify(valid),
      });
      expect(created.status).toBe(201);
      const silence = (await created.json()) as { id: string; startsAt: string; endsAt: string };
      expect(silence).toMatchObject({
        status: 'active',
        author: 'ana',
        comment: 'patching web-01',
        matchers: [
          { name: 'rule.id', value: '5710', isRegex: false, isEqual: true },
          { name: 'agent.name', value: 'web-.*', isRegex: true, isEqual: true },
        ],
      });
      expect(Date.parse(silence.endsAt) - Date.parse(silence.startsAt)).toBe(2 * 3_600_000);
      expect((await activeSilences(db.pool)).map((s) => s.id)).toEqual([silence.id]);

      const listed = await fetch(`${address}/v1/silences`, { headers });
      expect(
        ((await listed.json()) as { silences: { id: string }[] }).silences.map((s) => s.id),
      ).toEqual([silence.id]);

      const expired = await fetch(`${address}/v1/silences/${silence.id}`, {
        method: 'DELETE',
        headers: { authorization: headers.authorization },
      });
      expect(expired.status).toBe(200);
      expect(await expired.json()).toMatchObject({ id: silence.id, status: 'expired' });
      expect(await activeSilences(db.pool)).toEqual([]);

      const afterList = await fetch(`${address}/v1/silences`, { headers });
      expect(((await afterList.json()) as { silences: unknown[] }).silences).toEqual([]);
      const all = await fetch(`${address}/v1/silences?expired=true`, { headers });
      expect(((await all.json()) as { silences: unknown[] }).silences).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  test('POST .../expire ends a pending silence; an unknown id is a 404', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const startsAt = new Date(Date.now() + 3_600_000).toISOString();
    const endsAt = new Date(Date.now() + 7_200_000).toISOString();
    const created = await app.inject(post({ ...valid, duration: undefined, startsAt, endsAt }));
    expect(created.json()).toMatchObject({ status: 'pending', startsAt, endsAt });
    const id = created.json().id as string;
    const expired = await app.inject({
      method: 'POST',
      url: `/v1/silences/${id}/expire`,
      headers: authed(),
    });
    expect(expired.json()).toMatchObject({ status: 'expired' });
    const unknown = await app.inject({
      method: 'DELETE',
      url: '/v1/silences/0f6c1d1e-3f0b-4e55-9b1c-6f1d8a4f3a10',
      headers: authed(),
    });
    expect(unknown.statusCode).toBe(404);
    const notUuid = await app.inject({
      method: 'DELETE',
      url: '/v1/silences/nope',
      headers: authed(),
    });
    expect(notUuid.statusCode).toBe(404);
  });

  test('validation errors name the field', async ({ db, redis: { redis, namespace } }) => {
    const { app } = testApp({ db, redis, namespace });
    const cases: [unknown, RegExp][] = [
      [{ ...valid, matchers: [] }, /^matchers must name at least one matcher/],
      [
        { ...valid, matchers: ['rule.id=~(57'] },
        /^matchers\.0 invalid matcher 'rule.id=~\(57': '\(57' is not a valid regular expression/,
      ],
      [{ ...valid, matchers: ['rule.id'] }, /^matchers\.0 invalid matcher 'rule.id'/],
      [{ ...valid, author: ' ' }, /^author must name who sets the silence/],
      [{ ...valid, comment: undefined }, /^comment /],
      [{ ...valid, duration: 'soon' }, /^duration must be a duration/],
      [{ ...valid, duration: undefined }, /^endsAt or duration is required/],
      [{ ...valid, startsAt: 'yesterday' }, /^startsAt must be an ISO 8601 time/],
      [{ ...valid, duration: '91d' }, /at most 90 days/],
      [{ ...valid, duration: '999999999999d' }, /at most 90 days/],
      [{ ...valid, duration: undefined, endsAt: '+275760-09-13T00:00:00.001Z' }, /^endsAt /],
      [
        {
          ...valid,
          duration: undefined,
          endsAt: '2020-01-01T00:00:00Z',
          startsAt: '2019-12-31T00:00:00Z',
        },
        /^endsAt must be in the future/,
      ],
      [{ ...valid, colour: 'red' }, /^unknown field "colour"/],
      // A misspelt field reads as empty, so a negative matcher on it would hold for every alert.
      [{ ...valid, matchers: ['rule.idd!=5710'] }, /^matchers would silence every alert/],
      [{ ...valid, matchers: ['data.srcip=~.*', 'agent.name!~web-.*'] }, /^matchers would silence/],
      [{ ...valid, matchers: ['data.srcip=""'] }, /^matchers would silence every alert/],
    ];
    for (const [payload, message] of cases) {
      const res = await app.inject(post(payload));
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toMatch(message);
    }
    expect((await app.inject(post('{"matchers":'))).statusCode).toBe(400);
    expect((await app.inject(post('x', 'text/plain'))).statusCode).toBe(415);
    expect(await activeSilences(db.pool)).toEqual([]);
  });

  test('every silence route needs the API key', async ({ db, redis: { redis, namespace } }) => {
    const { app } = testApp({ db, redis, namespace });
    const noKey = { 'content-type': 'application/json' };
    const requests: InjectOptions[] = [
      { method: 'POST', url: '/v1/silences', headers: noKey, payload: JSON.stringify(valid) },
      { method: 'GET', url: '/v1/silences' },
      { method: 'DELETE', url: '/v1/silences/0f6c1d1e-3f0b-4e55-9b1c-6f1d8a4f3a10' },
      { method: 'POST', url: '/v1/silences/0f6c1d1e-3f0b-4e55-9b1c-6f1d8a4f3a10/expire' },
    ];
    for (const request of requests) {
      expect((await app.inject(request)).statusCode).toBe(401);
    }
    expect(await activeSilences(db.pool)).toEqual([]);
  });
});
