import { describe, expect, it } from 'vitest';
import { API_KEY, closedPort, run, SSHD, useFakeHerald, wazuhArgs } from './test-support.ts';

const herald = useFakeHerald();

describe('custom-herald retrying', () => {
  it('retries a 503 and exits 0 once Herald accepts', async () => {
    herald.reply({ status: 503, body: { error: 'the database is unavailable; retry later' } });

    const result = await run(wazuhArgs(herald.url));

    expect(result.code).toBe(0);
    expect(herald.received.map((request) => request.body)).toEqual([SSHD, SSHD]);
  });

  it('honours Retry-After: 0 on a 429 rather than its own backoff', async () => {
    herald.reply({ status: 429, headers: { 'retry-after': '0' }, body: { error: 'slow down' } });
    // Its own backoff would wait 2.5 to 5 s, past the 2 s timeout: only Retry-After fits.
    const result = await run(wazuhArgs(herald.url, { options: { backoff: 5 }, timeout: '2' }));

    expect(result.code).toBe(0);
    expect(herald.received).toHaveLength(2);
  });

  it('gives up at once when Retry-After is beyond the time Wazuh gives it', async () => {
    herald.reply({ status: 429, headers: { 'retry-after': '60' } });

    const started = Date.now();
    const result = await run(wazuhArgs(herald.url, { timeout: '2' }));

    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(
      /^custom-herald: Herald is unavailable \(HTTP 429.*no time left to retry within 2 s; the alert is kept in the spool \(1 waiting\)\n$/,
    );
    expect(herald.received).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stops after the retries Wazuh passes, which win over the options file', async () => {
    herald.reply(...Array.from({ length: 5 }, () => ({ status: 500, body: '' })));

    const result = await run(
      wazuhArgs(herald.url, { options: { retries: 4, backoff: 0.01 }, retries: '1' }),
    );

    expect(result.code).toBe(5);
    expect(result.stderr).toBe(
      'custom-herald: Herald is unavailable (HTTP 500); gave up after 2 attempts; the alert is kept in the spool (1 waiting)\n',
    );
    expect(herald.received).toHaveLength(2);
  });

  it('reports a Herald that does not answer in time', async () => {
    herald.reply('hang', 'hang');

    const result = await run(wazuhArgs(herald.url, { timeout: '0.6', retries: '1' }));

    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(
      /^custom-herald: Herald at http:\/\/127\.0\.0\.1:\d+\/v1\/alerts did not answer within/,
    );
  });

  it('reports an unreachable Herald', async () => {
    const port = await closedPort();

    const result = await run(wazuhArgs(`http://127.0.0.1:${port}/v1/alerts`, { retries: '2' }));

    expect(result.code).toBe(5);
    expect(result.stderr).toBe(
      `custom-herald: Herald at http://127.0.0.1:${port}/v1/alerts is unreachable: Connection refused; gave up after 3 attempts; the alert is kept in the spool (1 waiting)\n`,
    );
  });
});

describe('custom-herald refusals', () => {
  it('exits 3 on a 401 without retrying and without showing the key', async () => {
    herald.reply({ status: 401, body: { error: 'invalid API key' } });

    const result = await run(wazuhArgs(herald.url, { debug: true }));

    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n').at(-1)).toBe(
      'custom-herald: Herald refused the API key (HTTP 401)',
    );
    expect(result.stderr + result.stdout).not.toContain(API_KEY);
    expect(herald.received).toHaveLength(1);
  });

  it("exits 4 on a 400 and passes Herald's reason on", async () => {
    herald.reply({
      status: 400,
      body: {
        error: 'some alerts were rejected',
        accepted: [],
        rejected: [
          { index: 0, errors: [{ field: 'rule.level', message: 'must be a number from 0 to 16' }] },
        ],
      },
    });

    const result = await run(wazuhArgs(herald.url));

    expect(result.code).toBe(4);
    expect(result.stderr).toBe(
      'custom-herald: Herald rejected the alert (HTTP 400): some alerts were rejected: rule.level must be a number from 0 to 16\n',
    );
    expect(herald.received).toHaveLength(1);
  });

  it('does not follow a redirect with the alert and the key', async () => {
    herald.reply({ status: 307, headers: { location: 'http://127.0.0.1:9/elsewhere' } });

    const result = await run(wazuhArgs(herald.url));

    expect(result.code).toBe(4);
    expect(result.stderr).toContain('HTTP 307 (a redirect, not followed)');
    expect(herald.received).toHaveLength(1);
  });
});
