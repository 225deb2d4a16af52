import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { deadLetterKey } from '@herald/streams';
import { addDeadLetter, storeFailedAlert } from '@herald/ingest-api/src/testing.ts';
import { dispatch } from '../dispatch.ts';
import { captureIo, startHerald } from '../http-client.testing.ts';
import { deadLettersCommand } from './dead-letters.ts';

const herald = (args: string[], io: ReturnType<typeof captureIo>['io']) =>
  dispatch([deadLettersCommand], ['dead-letters', ...args], io);

describe('herald dead-letters', () => {
  test('lists every stage, then requeues one entry: its alert is retried and the entry gone', async ({
    db,
    databaseUrl,
    redis: { redis, namespace, url },
  }) => {
    const first = await storeFailedAlert(db, 'a');
    const second = await storeFailedAlert(db, 'b');
    const e1 = await addDeadLetter(redis, namespace, 'send', first, 'gave up: smtp 451');
    const e2 = await addDeadLetter(redis, namespace, 'enrich', second, 'gave up: api down');
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const listing = captureIo(env);
      expect(await herald(['list'], listing.io)).toBe(0);
      expect(listing.out()).toContain('enrich: 1 dead letter\n');
      expect(listing.out()).toContain(`${e2}  `);
      expect(listing.out()).toContain(`alert ${first} (error)  gave up: smtp 451`);

      const one = captureIo(env);
      expect(await herald(['list', '--stage', 'send'], one.io)).toBe(0);
      expect(one.out()).not.toContain('enrich');

      const requeue = captureIo(env);
      expect(await herald(['requeue', e1, '--stage', 'send'], requeue.io)).toBe(0);
      expect(requeue.out()).toBe(
        `requeued send ${e1} (alert ${first})\nrequeued 1, removed 0, kept 0, not found 0\n`,
      );
      expect(await redis.xlen(deadLetterKey(namespace, 'send'))).toBe(0);
      const { rows } = await db.pool.query('SELECT state FROM alerts WHERE id = $1', [first]);
      expect(rows[0].state).toBe('new');

      const all = captureIo(env);
      expect(await herald(['requeue', '--all'], all.io)).toBe(0);
      expect(all.out()).toContain(`requeued enrich ${e2} (alert ${second})`);
      expect(await redis.xlen(deadLetterKey(namespace, 'enrich'))).toBe(0);
    } finally {
      await service.stop();
    }
  });

  test('an entry that stays is named with its reason, and the exit code is 1', async ({
    db,
    databaseUrl,
    redis: { redis, namespace, url },
  }) => {
    const id = await storeFailedAlert(db, 'a', { retries: 3 });
    const entry = await addDeadLetter(redis, namespace, 'format', id, 'x');
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const run = captureIo(env);
      expect(await herald(['requeue', entry, '9-0'], run.io)).toBe(1);
      expect(run.err()).toBe(
        `kept format ${entry} (alert ${id}): retry limit reached: retried 3 times, the limit is 3\n` +
          'not found: 9-0\n',
      );
    } finally {
      await service.stop();
    }
  });

  test('a wrong key is named, and bad usage exits 2 before any request', async ({
    databaseUrl,
    redis: { namespace, url },
  }) => {
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const refused = captureIo({ ...env, HERALD_API_KEY: 'wrong-key-0123456789abc' });
      expect(await herald(['list'], refused.io)).toBe(1);
      expect(refused.err()).toMatch(/^herald dead-letters: 401: the API key was refused by/);

      for (const args of [
        ['requeue'],
        ['requeue', 'x'],
        ['requeue', '--all', '1-0'],
        ['list', '--stage', 'ingest'],
        ['purge'],
      ]) {
        const bad = captureIo(env);
        expect(await herald(args, bad.io), args.join(' ')).toBe(2);
        expect(bad.err()).toContain('usage: herald dead-letters');
      }
    } finally {
      await service.stop();
    }
  });
});
