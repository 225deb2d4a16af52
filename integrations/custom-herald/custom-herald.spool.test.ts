import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  ACCEPTED,
  closedPort,
  CORPUS,
  run,
  spoolDir,
  spooled,
  tempFile,
  useFakeHerald,
  wazuhArgs,
} from './test-support.ts';

const herald = useFakeHerald();

describe('custom-herald spool', () => {
  const alerts = CORPUS.slice(0, 4).map((entry) => entry.raw);
  const deadUrl = async () => `http://127.0.0.1:${await closedPort()}/v1/alerts`;
  const args = (url: string, alert: string, options: Record<string, unknown>) =>
    wazuhArgs(url, { alert, options: { backoff: 0.01, ...options }, retries: '1' });

  it('keeps an alert Herald could not take, exits 5, and sends the spool first on the next run', async () => {
    const spool = spoolDir();
    const down = await deadUrl();

    const first = await run(args(down, alerts[0]!, { spool_dir: spool }));
    const second = await run(args(down, alerts[1]!, { spool_dir: spool }));

    expect(first.code).toBe(5);
    expect(first.stderr).toMatch(
      /Connection refused; gave up after 2 attempts; the alert is kept in the spool \(1 waiting\)\n$/,
    );
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(/the alert is kept in the spool \(2 waiting\)\n$/);
    expect(spooled(spool)).toEqual([alerts[0], alerts[1]]);

    const back = await run(args(herald.url, alerts[2]!, { spool_dir: spool }));

    expect(back).toMatchObject({ code: 0, stderr: '' });
    expect(herald.received.map((request) => request.body)).toEqual([
      alerts[0],
      alerts[1],
      alerts[2],
    ]);
    expect(spooled(spool)).toEqual([]);
  });

  it('a 5xx on a spooled alert stops the sending: the rest and the current alert stay, in order', async () => {
    const spool = spoolDir();
    const down = await deadUrl();
    await run(args(down, alerts[0]!, { spool_dir: spool }));
    await run(args(down, alerts[1]!, { spool_dir: spool }));
    herald.reply({ status: 202, body: ACCEPTED }, { status: 503, body: { error: 'behind' } });

    const result = await run(args(herald.url, alerts[2]!, { spool_dir: spool }));

    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(
      /HTTP 503: behind\); the alert is kept in the spool \(2 waiting\)\n$/,
    );
    // The current alert was not posted: Herald had just failed, so it joined the spool.
    expect(herald.received.map((request) => request.body)).toEqual([alerts[0], alerts[1]]);
    expect(spooled(spool)).toEqual([alerts[1], alerts[2]]);
  });

  it('drops the oldest alerts when the bound is reached, and counts them', async () => {
    const spool = spoolDir();
    const down = await deadUrl();
    for (const alert of alerts) {
      const result = await run(args(down, alert, { spool_dir: spool, spool_max_files: 2 }));
      expect(result.code).toBe(5);
    }

    expect(spooled(spool)).toEqual([alerts[2], alerts[3]]);
    expect(readFileSync(join(spool, 'dropped'), 'utf8')).toBe('2\n');

    // A byte bound that holds one alert only keeps the newest.
    const small = spoolDir();
    const largest = Math.max(...alerts.slice(0, 2).map((a) => Buffer.byteLength(a)));
    for (const alert of alerts.slice(0, 2)) {
      await run(args(down, alert, { spool_dir: small, spool_max_bytes: largest + 1 }));
    }
    expect(spooled(small)).toEqual([alerts[1]]);
    expect(readFileSync(join(small, 'dropped'), 'utf8')).toBe('1\n');
  });

  it('never spools an alert Herald refused, and drops a spooled one Herald refuses', async () => {
    const spool = spoolDir();
    herald.reply({ status: 400, body: { error: 'some alerts were rejected' } });

    const refused = await run(args(herald.url, alerts[0]!, { spool_dir: spool }));

    expect(refused.code).toBe(4);
    expect(spooled(spool)).toEqual([]);

    await run(args(await deadUrl(), alerts[1]!, { spool_dir: spool }));
    await run(args(await deadUrl(), alerts[2]!, { spool_dir: spool }));
    herald.reset();
    herald.reply({ status: 400, body: { error: 'some alerts were rejected' } });

    const next = await run(args(herald.url, alerts[3]!, { spool_dir: spool }));

    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(
      /^custom-herald: dropping spooled alert \d+-\d+-[0-9a-f]+\.alert: Herald rejected the alert \(HTTP 400\)/,
    );
    expect(herald.received.map((request) => request.body)).toEqual([
      alerts[1],
      alerts[2],
      alerts[3],
    ]);
    expect(spooled(spool)).toEqual([]);
    expect(readFileSync(join(spool, 'rejected'), 'utf8')).toBe('1\n');
  });

  it('a 401 is not spooled', async () => {
    const spool = spoolDir();
    herald.reply({ status: 401, body: { error: 'invalid API key' } });

    const result = await run(args(herald.url, alerts[0]!, { spool_dir: spool }));

    expect(result.code).toBe(3);
    expect(spooled(spool)).toEqual([]);
  });

  it('says the alert is lost, exit 8, when the spool cannot be written', async () => {
    const notADirectory = tempFile('alert', 'x');

    const result = await run(args(await deadUrl(), alerts[0]!, { spool_dir: notADirectory }));

    expect(result.code).toBe(8);
    expect(result.stderr).toMatch(
      /the alert could not be spooled in .* either \(.*\): it is lost\n$/,
    );
  });

  it('two runs at once send each spooled alert once: the second leaves the spool to the first', async () => {
    const spool = spoolDir();
    const down = await deadUrl();
    for (const alert of alerts.slice(0, 3)) {
      await run(args(down, alert, { spool_dir: spool }));
    }
    // Slow answers keep the first run sending while the second starts.
    herald.reply(
      ...Array.from({ length: 5 }, () => ({ status: 202, body: ACCEPTED, delayMs: 150 })),
    );

    const first = run(args(herald.url, alerts[3]!, { spool_dir: spool }));
    await vi.waitFor(() => expect(herald.received.length).toBeGreaterThan(0), { timeout: 5_000 });
    const second = run(args(herald.url, CORPUS[4]!.raw, { spool_dir: spool }));
    const results = await Promise.all([first, second]);

    expect(results.map((result) => result.code)).toEqual([0, 0]);
    const bodies = herald.received.map((request) => request.body);
    expect(bodies.sort()).toEqual([...alerts, CORPUS[4]!.raw].sort());
    expect(spooled(spool)).toEqual([]);
  });
});
