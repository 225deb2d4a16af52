import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { test } from '@herald/db/testing';
import { CORPUS_PATH, waitFor } from '@herald/testkit';
import { countAlerts } from '@herald/ingest-api/src/testing.ts';
import { dispatch } from '../dispatch.ts';
import { createHeraldClient } from '../http-client.ts';
import { captureIo, startHerald } from '../http-client.testing.ts';
import { replayCommand } from './replay.ts';
import { isReplayStoppedError, parseWazuhTimestamp, replayFile } from './replay-file.ts';

const herald = (args: string[], io: ReturnType<typeof captureIo>['io']) =>
  dispatch([replayCommand], ['replay', ...args], io);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herald-replay-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('herald replay', () => {
  test('replays the corpus; the second run stores nothing new', async ({
    db,
    databaseUrl,
    redis: { namespace, url },
  }) => {
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const first = captureIo({ ...env });
      expect(await herald([CORPUS_PATH, '--batch', '10'], first.io)).toBe(0);
      expect(first.out()).toBe('read 25, in range 25, accepted 25, already stored 0, rejected 0\n');
      expect(await countAlerts(db)).toBe(25);

      const second = captureIo({ ...env });
      expect(await herald([CORPUS_PATH], second.io)).toBe(0);
      expect(second.out()).toBe(
        'read 25, in range 25, accepted 0, already stored 25, rejected 0\n',
      );
      expect(await countAlerts(db)).toBe(25);
    } finally {
      await service.stop();
    }
  });

  test('--from/--to select exactly the alerts in the range, by their own timestamp and offset', async ({
    db,
    databaseUrl,
    redis: { namespace, url },
  }) => {
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      // In the corpus: 19:17:42.694+0200 (before), 19:17:43.637+0200 and 19:22:07.974+0200
      // (inside), 19:30:25.085+0200 (exactly at --to, so outside).
      const run = captureIo(env);
      const args = ['--from', '2022-11-17T17:17:43Z', '--to', '2022-11-17T17:30:25.085Z'];
      // Line 25's timestamp (`2017 Jan 05 14:11:21`, an old Wazuh format) has no zone: it
      // cannot be placed, so it is named, not guessed.
      expect(await herald([CORPUS_PATH, ...args], run.io)).toBe(1);
      expect(run.err()).toBe(
        'line 25: skipped, timestamp "2017 Jan 05 14:11:21" is not an ISO 8601 time with a zone, so it cannot be placed in the range\n',
      );
      expect(run.out()).toBe(
        'read 25, in range 2, accepted 2, already stored 0, rejected 0, malformed 1\n',
      );
      const { rows } = await db.pool.query<{ ts: string }>(
        `SELECT body->>'timestamp' AS ts FROM alerts ORDER BY 1`,
      );
      expect(rows.map((r) => r.ts)).toEqual([
        '2022-11-17T19:17:43.637+0200',
        '2022-11-17T19:22:07.974+0200',
      ]);
    } finally {
      await service.stop();
    }
  });

  test('a malformed line is reported by number, the rest go through', async ({
    db,
    databaseUrl,
    redis: { namespace, url },
  }) => {
    const lines = (await readFile(CORPUS_PATH, 'utf8')).trim().split('\n');
    const file = join(dir, 'alerts.json');
    await writeFile(
      file,
      [...lines.slice(0, 4), '{"timestamp":"2024-01-01T00:00:00', '', ...lines.slice(4)].join('\n'),
    );
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const run = captureIo(env);
      expect(await herald([file], { ...run.io, cwd: dir })).toBe(1);
      expect(run.err()).toMatch(/^line 5: skipped, not JSON: /);
      expect(run.out()).toBe(
        'read 26, in range 25, accepted 25, already stored 0, rejected 0, malformed 1\n',
      );
      expect(await countAlerts(db)).toBe(25);
    } finally {
      await service.stop();
    }
  });

  test('an alert ingest refuses is named by its line in the file; --manager keeps one manager', async ({
    databaseUrl,
    redis: { namespace, url },
  }) => {
    const file = join(dir, 'alerts.json');
    const alert = (id: string, manager: string) =>
      JSON.stringify({
        timestamp: '2026-01-01T00:00:00.000+0000',
        id,
        rule: { id: '5716', level: 5, description: 'sshd: authentication failed' },
        manager: { name: manager },
      });
    await writeFile(
      file,
      [alert('1', 'a'), alert('2', 'b'), '{"timestamp":"x","rule":"no"}', alert('3', 'a')].join(
        '\n',
      ),
    );
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const run = captureIo(env);
      expect(await herald([file], run.io)).toBe(1);
      expect(run.err()).toMatch(/^line 3: rejected, rule/);
      expect(run.out()).toBe('read 4, in range 4, accepted 3, already stored 0, rejected 1\n');

      const one = captureIo(env);
      expect(await herald([file, '--manager', 'a'], one.io)).toBe(0);
      expect(one.out()).toBe('read 4, in range 2, accepted 0, already stored 2, rejected 0\n');
    } finally {
      await service.stop();
    }
  });

  it('refuses bad usage with exit 2', async () => {
    for (const args of [
      [],
      ['a', 'b'],
      ['f', '--from', '2026-01-01'],
      ['f', '--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z'],
      ['f', '--batch', '0'],
    ]) {
      const bad = captureIo();
      expect(await herald(args, bad.io), args.join(' ')).toBe(2);
      expect(bad.err()).toContain('usage: herald replay');
    }
  });
});

describe('replayFile against a busy Herald', () => {
  /** A loopback ingest that answers `busy` times 503 (Retry-After 2), then 202. */
  async function busyHerald(busy: number) {
    let posts = 0;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        posts += 1;
        if (posts <= busy) {
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
          res.end('{"error":"the pipeline is behind"}');
          return;
        }
        const count = body.trim().split('\n').length;
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            accepted: Array.from({ length: count }, (_, index) => ({ index, duplicate: false })),
            rejected: [],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}`,
      posts: () => posts,
      close: () => new Promise((r) => server.close(r)),
    };
  }

  const options = { batchSize: 500, batchBytes: 1 << 22, maxTries: 3, maxWaitMs: 60_000 };

  it('waits out 503 as Retry-After says, then posts', async () => {
    const server = await busyHerald(2);
    const waits: number[] = [];
    try {
      const summary = await replayFile(
        CORPUS_PATH,
        createHeraldClient({ HERALD_URL: server.url }),
        {
          ...options,
          sleep: async (ms) => void waits.push(ms),
        },
      );
      expect(waits).toEqual([2000, 2000]);
      expect(summary.accepted).toBe(25);
      expect(server.posts()).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('gives up after maxTries, saying from which line to start again', async () => {
    const server = await busyHerald(100);
    try {
      const failure = await replayFile(
        CORPUS_PATH,
        createHeraldClient({ HERALD_URL: server.url }),
        {
          ...options,
          batchSize: 10,
          sleep: async () => {},
        },
      ).catch((err: unknown) => err);
      expect(isReplayStoppedError(failure)).toBe(true);
      if (!isReplayStoppedError(failure)) return;
      expect(failure.atLine).toBe(1);
      expect(failure.message).toContain('503');
      expect(server.posts()).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('streams the file: the first batch is posted before the rest of the file exists', async () => {
    const server = await busyHerald(0);
    const fifo = join(dir, 'alerts.fifo');
    execFileSync('mkfifo', [fifo]);
    const lines = (await readFile(CORPUS_PATH, 'utf8')).trim().split('\n');
    try {
      const replay = replayFile(fifo, createHeraldClient({ HERALD_URL: server.url }), {
        ...options,
        batchSize: 2,
      });
      const writer = createWriteStream(fifo);
      writer.write(`${lines.slice(0, 2).join('\n')}\n`);
      // A reader that waited for the end of the file would post nothing yet.
      await waitFor('the first batch posted', () => server.posts() === 1);
      writer.end(`${lines.slice(2).join('\n')}\n`);
      expect((await replay).accepted).toBe(25);
      expect(server.posts()).toBe(13);
    } finally {
      await server.close();
    }
  });

  it('reads Wazuh timestamps with offsets without a colon', () => {
    expect(parseWazuhTimestamp('2022-11-17T19:17:43.637+0200')).toBe(
      Date.parse('2022-11-17T17:17:43.637Z'),
    );
    expect(parseWazuhTimestamp('2020-08-17T17:09:05.043988Z')).toBe(
      Date.parse('2020-08-17T17:09:05.043Z'),
    );
    expect(parseWazuhTimestamp('May 11 12:29:18')).toBeNaN();
  });
});
