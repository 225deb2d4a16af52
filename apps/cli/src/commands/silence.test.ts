import { describe, expect } from 'vitest';
import { activeSilences, createSilence } from '@herald/db';
import { test } from '@herald/db/testing';
import { dispatch } from '../dispatch.ts';
import { captureIo, startHerald } from '../http-client.testing.ts';
import { silenceCommand } from './silence.ts';

const herald = (args: string[], io: ReturnType<typeof captureIo>['io']) =>
  dispatch([silenceCommand], ['silence', ...args], io);

const ID = /created silence ([0-9a-f-]{36}) \(active /;

describe('herald silence', () => {
  test('add, list and expire round trip through the ingest API', async ({
    db,
    databaseUrl,
    redis: { namespace, url },
  }) => {
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const added = captureIo(env);
      const code = await herald(
        [
          'add',
          '--matcher',
          'rule.id=5710',
          '--matcher',
          'agent.name=~web-.*',
          '--for',
          '2h',
          '--author',
          'ana',
          '--comment',
          'patching web-01',
        ],
        added.io,
      );
      expect(added.err()).toBe('');
      expect(code).toBe(0);
      const id = ID.exec(added.out())?.[1];
      expect(id).toBeDefined();
      const [stored] = await activeSilences(db.pool);
      expect(stored).toMatchObject({
        id,
        author: 'ana',
        comment: 'patching web-01',
        matchers: [
          { name: 'rule.id', value: '5710', isRegex: false, isEqual: true },
          { name: 'agent.name', value: 'web-.*', isRegex: true, isEqual: true },
        ],
      });
      expect(stored!.endsAt.getTime() - stored!.startsAt.getTime()).toBe(2 * 3_600_000);

      const listed = captureIo(env);
      expect(await herald(['list'], listed.io)).toBe(0);
      expect(listed.out()).toMatch(
        new RegExp(
          `^${id}  active  \\S+ \\.\\. \\S+  ana  rule.id="5710" agent.name=~"web-\\.\\*"  # patching web-01\\n$`,
        ),
      );

      const expired = captureIo(env);
      expect(await herald(['expire', id!], expired.io)).toBe(0);
      expect(expired.out()).toMatch(new RegExp(`^expired ${id} \\(ended `));
      expect(await activeSilences(db.pool)).toEqual([]);

      const empty = captureIo(env);
      expect(await herald(['list'], empty.io)).toBe(0);
      expect(empty.out()).toBe('no active or pending silences\n');
      const all = captureIo(env);
      expect(await herald(['list', '--expired'], all.io)).toBe(0);
      expect(all.out()).toContain(`${id}  expired  `);

      const unknown = captureIo(env);
      expect(await herald(['expire', '0f6c1d1e-3f0b-4e55-9b1c-6f1d8a4f3a10'], unknown.io)).toBe(1);
      expect(unknown.err()).toContain('no silence with id 0f6c1d1e-3f0b-4e55-9b1c-6f1d8a4f3a10');
    } finally {
      await service.stop();
    }
  });

  test('list prints a silence whatever its stored text: control characters, a JS-only regex', async ({
    db,
    databaseUrl,
    redis: { namespace, url },
  }) => {
    // Written before matchers were RE2 (a lookahead), and by a client that sent escapes.
    const stored = await createSilence(db.pool, {
      matchers: [{ name: 'agent.name', value: '(?!web).*', isRegex: true, isEqual: true }],
      startsAt: new Date(Date.now() - 60_000),
      endsAt: new Date(Date.now() + 3_600_000),
      author: 'eve\u001b]0;pwned\u0007',
      comment: 'line\rover\u001b[2J',
    });
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const listed = captureIo(env);
      expect(await herald(['list'], listed.io)).toBe(0);
      expect(listed.out()).toContain(`${stored.id}  active  `);
      expect(listed.out()).toContain('eve?]0;pwned?  agent.name=~"(?!web).*"  # line?over?[2J\n');
    } finally {
      await service.stop();
    }
  });

  test('a silence the server refuses is reported with its reason, exit 1', async ({
    databaseUrl,
    redis: { namespace, url },
  }) => {
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const run = captureIo(env);
      const code = await herald(
        [
          'add',
          '--matcher',
          'rule.id=5710',
          '--until',
          '2020-01-01T00:00:00Z',
          '--author',
          'a',
          '--comment',
          'c',
        ],
        run.io,
      );
      expect(code).toBe(1);
      expect(run.err()).toBe('herald silence: 400: endsAt must be after startsAt\n');
    } finally {
      await service.stop();
    }
  });

  test('bad usage is refused before any request, with the usage', async () => {
    const cases: [string[], string][] = [
      [[], 'give add, list or expire'],
      [['mute'], "no silence action named 'mute'"],
      [['add', '--for', '2h', '--author', 'a', '--comment', 'c'], 'give at least one --matcher'],
      [
        ['add', '--matcher', 'rule.id=~(', '--for', '2h', '--author', 'a', '--comment', 'c'],
        'is not a valid regular expression',
      ],
      [
        ['add', '--matcher', 'rule.id=1', '--author', 'a', '--comment', 'c'],
        'give --for <duration> or --until <time>',
      ],
      [
        ['add', '--matcher', 'rule.id=1', '--for', 'later', '--author', 'a', '--comment', 'c'],
        '--for must be a duration',
      ],
      [['add', '--matcher', 'rule.id=1', '--for', '2h', '--comment', 'c'], '--author is required'],
      [['add', '--matcher', 'rule.id=1', '--for', '2h', '--author', 'a'], '--comment is required'],
      [['expire'], 'give at least one silence id'],
      [['expire', 'abc'], "'abc' is not a silence id"],
    ];
    for (const [args, message] of cases) {
      // Nothing listens here: a request would fail with exit 1, not 2.
      const run = captureIo({ HERALD_URL: 'http://127.0.0.1:9' });
      expect(await herald(args, run.io), args.join(' ')).toBe(2);
      expect(run.err()).toContain(message);
      expect(run.err()).toContain('usage: herald silence add');
    }
  });
});
