import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { enrichEntries, storeFailedAlert } from '@herald/ingest-api/src/testing.ts';
import { dispatch } from '../dispatch.ts';
import { captureIo, startHerald } from '../http-client.testing.ts';
import { retryCommand } from './retry.ts';

const herald = (args: string[], io: ReturnType<typeof captureIo>['io']) =>
  dispatch([retryCommand], ['retry', ...args], io);

describe('herald retry', () => {
  test('retries named alerts, names the ones it could not, and exits 1 for them', async ({
    db,
    databaseUrl,
    redis: { redis, namespace, url },
  }) => {
    const failed = await storeFailedAlert(db, 'a');
    const unknown = randomUUID();
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const run = captureIo(env);
      expect(await herald([failed, unknown], run.io)).toBe(1);
      expect(run.out()).toBe(`retried ${failed}\nretried 1, not retried 1\n`);
      expect(run.err()).toBe(`not retried ${unknown}: 404: no alert with id ${unknown}\n`);
      expect((await enrichEntries(redis, namespace)).map((m) => m.alertId)).toEqual([failed]);

      const again = captureIo(env);
      expect(await herald([failed], again.io)).toBe(1);
      expect(again.err()).toContain(`only an alert in state 'error' can be retried`);
    } finally {
      await service.stop();
    }
  });

  test('--all retries every alert in error up to --limit', async ({
    db,
    databaseUrl,
    redis: { namespace, url },
  }) => {
    const ids = [
      await storeFailedAlert(db, 'a'),
      await storeFailedAlert(db, 'b'),
      await storeFailedAlert(db, 'c'),
    ];
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const two = captureIo(env);
      expect(await herald(['--all', '--limit', '2'], two.io)).toBe(0);
      expect(two.out()).toMatch(/retried 2, not retried 0\n$/);
      const rest = captureIo(env);
      expect(await herald(['--all'], rest.io)).toBe(0);
      expect(rest.out()).toMatch(/retried 1, not retried 0\n$/);
      const { rows } = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM alerts WHERE state = 'new' AND id = ANY($1::uuid[])`,
        [ids],
      );
      expect(rows[0]!.n).toBe(3);
    } finally {
      await service.stop();
    }
  });

  test('bad usage exits 2 and sends nothing', async () => {
    for (const args of [
      [],
      ['--all', randomUUID()],
      ['not-an-id'],
      ['--all', '--limit', '0'],
      [randomUUID(), '--limit', '5'],
    ]) {
      const bad = captureIo({ HERALD_URL: 'http://127.0.0.1:9' });
      expect(await herald(args, bad.io), args.join(' ')).toBe(2);
      expect(bad.err()).toContain('usage: herald retry');
    }
  });
});
