import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { testServers, waitFor } from '@herald/testkit';
import { TEST_KEYS, countAlerts } from './testing.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Runs main.ts with exactly `env`; collects its output; killed after `timeoutMs` at most. */
function runMain(env: Record<string, string>, timeoutMs = 20_000) {
  const child = spawn(process.env.HERALD_TEST_NODE ?? testServers().node, [MAIN], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    });
  });
  const lines = () =>
    stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, exited, lines, stdout: () => stdout, stderr: () => stderr };
}

describe('main.ts', () => {
  test('exits non-zero at once on a bad port, naming HERALD_HTTP_PORT in a JSON line', async ({
    databaseUrl,
    redis: { url },
  }) => {
    const run = runMain({
      DATABASE_URL: databaseUrl,
      REDIS_URL: url,
      HERALD_API_KEY: TEST_KEYS[0],
      HERALD_HTTP_PORT: 'abc',
    });

    expect(await run.exited).toBe(1);
    expect(run.stderr()).toBe('');
    const fatal = run.lines().find((line) => line.level === 'fatal');
    expect(fatal).toMatchObject({ service: 'ingest-api', msg: 'service failed to start' });
    expect((fatal!.err as { message: string }).message).toContain(
      'HERALD_HTTP_PORT: must be a port number',
    );
    expect(run.stdout()).not.toContain(TEST_KEYS[0]);
  });

  test('starts, takes an alert, and on SIGTERM stops cleanly with exit code 0', async ({
    db,
    databaseUrl,
    redis: { url, namespace },
  }) => {
    const run = runMain({
      DATABASE_URL: databaseUrl,
      REDIS_URL: url,
      HERALD_REDIS_NAMESPACE: namespace,
      HERALD_API_KEY: TEST_KEYS.join(','),
      HERALD_HTTP_PORT: '0',
      HERALD_REPLICA: 'main-test',
    });
    try {
      const address = await waitFor('main.ts to listen', () => {
        const listening = run.lines().find((line) => line.msg === 'ingest api listening');
        return listening?.address as string | undefined;
      });
      const res = await fetch(`${address}/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_KEYS[1]}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          timestamp: '2026-12-04T10:00:00.000+0000',
          rule: { level: 3, id: '506', description: 'Wazuh agent stopped.' },
          manager: { name: 'wazuh-test' },
          id: '1765000000.7',
        }),
      });
      expect(res.status).toBe(202);

      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
    expect(run.stderr()).toBe('');
    const messages = run.lines().map((line) => line.msg);
    expect(messages).toEqual(
      expect.arrayContaining(['service started', 'service stopping', 'service stopped']),
    );
    expect(
      run.lines().every((line) => line.service === 'ingest-api' && line.replica === 'main-test'),
    ).toBe(true);
    expect(await countAlerts(db)).toBe(1);
  });
});
