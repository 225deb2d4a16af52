import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { CORPUS_PATH, loadCorpus } from '@herald/testkit';
import { TEST_KEYS, countAlerts, enrichEntries, getAlert, postAlerts, testApp } from './testing.ts';

const corpus = loadCorpus();
const corpusText = readFileSync(CORPUS_PATH, 'utf8');

interface Accepted {
  index: number;
  line?: number;
  id: string;
  duplicate: boolean;
}

const alertWith = (ruleId: string, extra: Record<string, unknown> = {}) => ({
  timestamp: '2026-12-04T10:00:00.000+0000',
  rule: { level: 5, id: ruleId, description: `test rule ${ruleId}` },
  agent: { id: '001', name: 'web-01' },
  manager: { name: 'wazuh-test' },
  id: `1765000000.${ruleId}`,
  ...extra,
});

describe('POST /v1/alerts', () => {
  test('stores every corpus alert posted one at a time, once, and hands each to the enrich stream', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const ids: string[] = [];
    for (const { raw, line } of corpus) {
      const res = await postAlerts(app, 'application/json', raw);
      expect(res.statusCode, `corpus line ${line}: ${res.body}`).toBe(202);
      const body = res.json<{ accepted: Accepted[]; rejected: unknown[] }>();
      expect(body.rejected).toEqual([]);
      expect(body.accepted).toEqual([{ index: 0, id: expect.any(String), duplicate: false }]);
      ids.push(body.accepted[0]!.id);
    }

    expect(new Set(ids).size).toBe(corpus.length);
    expect(await countAlerts(db)).toBe(corpus.length);
    const messages = await enrichEntries(redis, namespace);
    expect(messages).toEqual(ids.map((alertId) => ({ alertId, attempt: 0 })));
  });

  test('stores the corpus posted as one JSON array, in order, with an entry per alert', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const res = await postAlerts(
      app,
      'application/json',
      JSON.stringify(corpus.map((c) => c.alert)),
    );

    expect(res.statusCode).toBe(202);
    const { accepted } = res.json<{ accepted: Accepted[] }>();
    expect(accepted.map((a) => a.index)).toEqual(corpus.map((_, i) => i));
    expect(accepted.every((a) => !a.duplicate && a.line === undefined)).toBe(true);
    expect(await countAlerts(db)).toBe(corpus.length);
    expect((await enrichEntries(redis, namespace)).map((m) => m.alertId)).toEqual(
      accepted.map((a) => a.id),
    );

    const { rows } = await db.pool.query<{ body: { rule: { id: string } } }>(
      'SELECT body FROM alerts WHERE id = $1',
      [accepted[24]!.id],
    );
    // The legacy alert's numeric rule.id is stored as validated: a string.
    expect(rows[0]!.body.rule.id).toBe('5402');
  });

  test('stores the corpus file posted as NDJSON; the same alerts again are duplicates with the same ids', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const first = await postAlerts(app, 'application/x-ndjson', corpusText);
    expect(first.statusCode).toBe(202);
    const created = first.json<{ accepted: Accepted[] }>().accepted;
    expect(created.map((a) => [a.index, a.line, a.duplicate])).toEqual(
      corpus.map((c, i) => [i, c.line, false]),
    );
    expect((await enrichEntries(redis, namespace)).map((m) => m.alertId)).toEqual(
      created.map((a) => a.id),
    );

    for (const contentType of ['application/ndjson', 'text/plain; charset=utf-8']) {
      const again = await postAlerts(app, contentType, corpusText);
      expect(again.statusCode).toBe(202);
      const repeated = again.json<{ accepted: Accepted[] }>().accepted;
      expect(repeated.map((a) => [a.id, a.duplicate])).toEqual(created.map((a) => [a.id, true]));
    }
    expect(await countAlerts(db)).toBe(corpus.length);
    expect(await enrichEntries(redis, namespace)).toHaveLength(corpus.length);
  });

  test('stores an alert repeated inside one batch once and publishes it once', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const res = await postAlerts(app, 'application/json', [alertWith('100'), alertWith('100')]);

    expect(res.statusCode).toBe(202);
    const [a, b] = res.json<{ accepted: Accepted[] }>().accepted;
    expect(b!.id).toBe(a!.id);
    expect([a!.duplicate, b!.duplicate]).toEqual([false, true]);
    expect(await enrichEntries(redis, namespace)).toEqual([{ alertId: a!.id, attempt: 0 }]);
  });

  test('refuses a missing, wrong or non-bearer key with 401 and a challenge, storing nothing', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app, raw } = testApp({ db, redis, namespace });
    const cases = [
      { headers: { 'content-type': 'application/json' }, challenge: 'Bearer realm="herald"' },
      {
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer not-the-key-0123456789',
        },
        challenge: 'Bearer realm="herald", error="invalid_token"',
      },
      {
        headers: { 'content-type': 'application/json', authorization: `Basic ${TEST_KEYS[0]}` },
        challenge: 'Bearer realm="herald"',
      },
    ];
    for (const { headers, challenge } of cases) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/alerts',
        headers,
        payload: alertWith('1'),
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe(challenge);
      expect(res.json<{ error: string }>().error).toMatch(/API key/);
    }

    expect(await countAlerts(db)).toBe(0);
    expect(await enrichEntries(redis, namespace)).toEqual([]);
    const rotated = await app.inject({
      method: 'POST',
      url: '/v1/alerts',
      headers: { 'content-type': 'application/json', authorization: `bearer ${TEST_KEYS[1]}` },
      payload: alertWith('2'),
    });
    expect(rotated.statusCode).toBe(202);
    expect(raw()).not.toContain(TEST_KEYS[0]);
    expect(raw()).not.toContain(TEST_KEYS[1]);
    expect(raw()).not.toContain('not-the-key');
  });

  test('stores the valid alerts of a mixed batch and names the index, line and field of each rejected one', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });

    const before = await postAlerts(app, 'application/json', alertWith('1'));
    expect(before.statusCode).toBe(202);

    const noLevel = alertWith('3');
    const { level: _dropped, ...ruleWithoutLevel } = noLevel.rule;
    const lines = [
      JSON.stringify(alertWith('2')),
      JSON.stringify({ ...noLevel, rule: ruleWithoutLevel }),
      JSON.stringify(alertWith('4')),
      '{"timestamp": "2026-12-04T10:00:00Z", "rule": ',
      JSON.stringify(alertWith('5')),
    ];
    const mixed = await postAlerts(app, 'application/x-ndjson', lines.join('\n') + '\n');
    expect(mixed.statusCode).toBe(400);
    const body = mixed.json<{ error: string; accepted: Accepted[]; rejected: unknown[] }>();
    expect(body.error).toBe('some alerts were rejected');
    expect(body.rejected).toEqual([
      { index: 1, line: 2, errors: [{ field: 'rule.level', message: 'is required' }] },
      {
        index: 3,
        line: 4,
        errors: [
          {
            field: '(alert)',
            message: expect.stringMatching(/^line 4 is not valid JSON at column \d+: /),
          },
        ],
      },
    ]);
    expect(body.accepted.map((a) => [a.index, a.line, a.duplicate])).toEqual([
      [0, 1, false],
      [2, 3, false],
      [4, 5, false],
    ]);

    const after = await postAlerts(app, 'application/json', alertWith('6'));
    expect(after.statusCode).toBe(202);
    expect(await countAlerts(db)).toBe(5);
    const published = (await enrichEntries(redis, namespace)).map((m) => m.alertId);
    expect(published).toEqual([
      before.json<{ accepted: Accepted[] }>().accepted[0]!.id,
      ...body.accepted.map((a) => a.id),
      after.json<{ accepted: Accepted[] }>().accepted[0]!.id,
    ]);
  });

  test('names the index without a line for a JSON array, and rejects text PostgreSQL cannot store', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const res = await postAlerts(app, 'application/json', [
      alertWith('1'),
      alertWith('2', { full_log: 'a\u0000b' }),
      alertWith('3', { rule: { id: '3' } }),
    ]);

    expect(res.statusCode).toBe(400);
    const body = res.json<{
      accepted: Accepted[];
      rejected: { index: number; errors: { field: string }[] }[];
    }>();
    expect(body.accepted.map((a) => a.index)).toEqual([0]);
    expect(body.rejected.map((r) => [r.index, r.errors.map((e) => e.field)])).toEqual([
      [1, ['full_log']],
      [2, ['rule.level', 'rule.description']],
    ]);
    expect(body.rejected.every((r) => !('line' in r))).toBe(true);
    expect(await countAlerts(db)).toBe(1);
  });

  test('answers a body that is not JSON, an empty body and an empty batch with 400, storing nothing', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });

    const broken = await postAlerts(app, 'application/json', '{"timestamp": "x",\n "rule": }');
    expect(broken.statusCode).toBe(400);
    expect(broken.json<{ error: string }>().error).toMatch(
      /^the body is not valid JSON at line 2 column 10 \(position 28\): Unexpected token/,
    );

    for (const [contentType, payload] of [
      ['application/json', ''],
      ['application/json', '[]'],
      ['application/json', '  \n'],
      ['application/x-ndjson', '\n\n'],
      [undefined, undefined],
    ] as const) {
      const res = await postAlerts(app, contentType, payload);
      expect(res.statusCode, `${contentType} ${JSON.stringify(payload)}`).toBe(400);
      expect(res.json()).toEqual({ error: 'no alerts in the request' });
    }
    expect(await countAlerts(db)).toBe(0);
  });

  test('answers too many alerts and a body over the byte limit with 413 naming the limit', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp(
      { db, redis, namespace },
      { maxAlertsPerRequest: 3, bodyLimitBytes: 16 * 1024 },
    );
    const four = [1, 2, 3, 4].map((n) => alertWith(String(n)));

    const array = await postAlerts(app, 'application/json', four);
    expect(array.statusCode).toBe(413);
    expect(array.json()).toEqual({
      error: 'the request holds 4 alerts; at most 3 are accepted per request',
    });
    const ndjson = await postAlerts(
      app,
      'application/x-ndjson',
      four.map((a) => JSON.stringify(a)).join('\n'),
    );
    expect(ndjson.statusCode).toBe(413);

    // The corpus file is about 32 kB.
    const large = await postAlerts(app, 'application/x-ndjson', corpusText);
    expect(large.statusCode).toBe(413);
    expect(large.json()).toEqual({
      error: 'the request body is larger than the limit of 16384 bytes',
    });
    expect(await countAlerts(db)).toBe(0);
  });

  test('answers an unsupported content type with 415 naming the accepted ones', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const res = await postAlerts(app, 'application/xml', '<alert/>');

    expect(res.statusCode).toBe(415);
    const { error } = res.json<{ error: string }>();
    expect(error).toMatch(
      /^content type 'application\/xml' is not supported; send application\/json/,
    );
    expect(error).toContain('application/x-ndjson');
    expect(await countAlerts(db)).toBe(0);
  });
});

describe('GET /v1/alerts/:id', () => {
  test('returns a stored alert in state new with its first history row', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const posted = await postAlerts(app, 'application/json', corpus[0]!.raw);
    const { id } = posted.json<{ accepted: Accepted[] }>().accepted[0]!;

    const res = await getAlert(app, id);
    expect(res.statusCode).toBe(200);
    const view = res.json<Record<string, unknown>>();
    expect(view).toMatchObject({
      id,
      state: 'new',
      identityKey: 'wazuh:localhost.localdomain:1652272159.1549653',
      alert: { rule: { id: '5712', level: 10 } },
      enrichment: null,
      analysis: null,
      deliveries: [],
      history: [
        {
          from: null,
          to: 'new',
          service: 'ingest-api',
          replica: 'test-replica',
          attempt: 0,
          error: null,
        },
      ],
    });
  });

  test('answers 404 for an unknown or malformed id, and 401 without the key', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const { app } = testApp({ db, redis, namespace });
    const unknown = randomUUID();

    const missing = await getAlert(app, unknown);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: `no alert with id ${unknown}` });
    const malformed = await getAlert(app, 'not-a-uuid');
    expect(malformed.statusCode).toBe(404);
    expect(malformed.json()).toEqual({ error: 'no alert with id not-a-uuid' });
    const anonymous = await app.inject({ method: 'GET', url: `/v1/alerts/${unknown}` });
    expect(anonymous.statusCode).toBe(401);
  });
});
