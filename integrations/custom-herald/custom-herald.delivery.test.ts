import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTestCertificates, hasOpenssl } from '@herald/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  CORPUS,
  type FakeHerald,
  run,
  SSHD,
  startHerald,
  tempFile,
  wazuhArgs,
  useFakeHerald,
  work,
} from './test-support.ts';

const herald = useFakeHerald();

describe('custom-herald delivering', () => {
  it('posts the alert unchanged with the bearer key and exits 0 on 202', async () => {
    const result = await run(wazuhArgs(herald.url));

    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(herald.received).toHaveLength(1);
    const [request] = herald.received;
    expect(request).toMatchObject({ method: 'POST', url: '/v1/alerts', body: SSHD });
    expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toMatch(/^custom-herald\/\d/);
  });

  it('runs straight from its shebang, as integratord executes it', async () => {
    const result = await run(wazuhArgs(herald.url), { direct: true });
    expect(result.code).toBe(0);
    expect(herald.received).toHaveLength(1);
  });

  it('also runs with only the three arguments older managers pass', async () => {
    const result = await run([tempFile('alert', SSHD), API_KEY, herald.url]);
    expect(result.code).toBe(0);
    expect(herald.received[0]?.body).toBe(SSHD);
  });

  it('posts every corpus alert successfully', async () => {
    // Five at a time, as integratord may run several integrations at once.
    for (let start = 0; start < CORPUS.length; start += 5) {
      const batch = CORPUS.slice(start, start + 5);
      const results = await Promise.all(
        batch.map(({ raw }) => run(wazuhArgs(herald.url, { alert: raw }))),
      );
      results.forEach((result, i) => {
        expect(result.code, `corpus line ${batch[i]!.line}: ${result.stderr}`).toBe(0);
      });
    }
    const bodies = herald.received.map((request) => request.body);
    expect(bodies.sort()).toEqual(CORPUS.map((entry) => entry.raw).sort());
  });

  it('says what it does on stderr with debug, without the key', async () => {
    const result = await run(wazuhArgs(herald.url, { debug: true }));

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('custom-herald debug: attempt 1: POST http://127.0.0.1:');
    expect(result.stderr).toContain('Herald answered 202');
    expect(result.stderr + result.stdout).not.toContain(API_KEY);
  });
});

describe('custom-herald input problems', () => {
  it.each([
    ['a missing alert file', null, 6, 'does not exist'],
    ['an empty alert file', '', 7, 'is empty'],
    ['the key=value alert format', "alertdate='2026 Dec 01'\nruleid='5715'", 7, 'is not JSON'],
    ['a JSON array', '[1, 2]', 7, 'holds JSON but not an alert object'],
  ] as const)('exits non-zero on %s, naming the file', async (_, content, code, problem) => {
    const args = wazuhArgs(herald.url);
    args[0] =
      content === null ? join(work, 'custom-herald-gone.alert') : tempFile('alert', content);

    const result = await run(args);

    expect(result.code).toBe(code);
    expect(result.stderr.split('\n')).toEqual([expect.stringContaining(problem), '']);
    expect(result.stderr.startsWith(`custom-herald: alert file ${args[0]} `)).toBe(true);
    expect(herald.received).toHaveLength(0);
  });

  it('exits 2 on bad arguments and never echoes what could be the key', async () => {
    const alert = tempFile('alert', SSHD);
    const tooFew = await run([alert, API_KEY]);
    const noKey = await run([alert, '', herald.url]);
    const swapped = await run([alert, herald.url, API_KEY]);
    const badTimeout = await run([alert, API_KEY, herald.url, '', '', 'soon']);

    expect([tooFew.code, noKey.code, swapped.code, badTimeout.code]).toEqual([2, 2, 2, 2]);
    expect(noKey.stderr).toContain('the API key (argument 2) is empty');
    expect(swapped.stderr).toContain('the hook URL (argument 3) is not an http(s) URL');
    expect(swapped.stderr).not.toContain(API_KEY);
    expect(badTimeout.stderr).toContain("timeout (argument 6) must be a number, got 'soon'");
    expect(herald.received).toHaveLength(0);
  });

  it('exits 2 on an options file that is not a JSON object', async () => {
    const args = wazuhArgs(herald.url);
    args[4] = tempFile('options', 'timeout=3');

    const result = await run(args);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`options file ${args[4]} could not be read as JSON`);
  });
});

const openssl = hasOpenssl();
describe.skipIf(!openssl)(
  openssl
    ? 'custom-herald over https'
    : 'custom-herald over https (skipped: openssl is not installed)',
  () => {
    let certificates: ReturnType<typeof createTestCertificates>;
    let secure: FakeHerald;
    beforeAll(async () => {
      certificates = createTestCertificates();
      secure = await startHerald({ key: certificates.key, cert: certificates.cert });
    });
    afterAll(async () => {
      await secure?.close();
      if (certificates) rmSync(certificates.dir, { recursive: true, force: true });
    });

    it('trusts Herald through the ca_file option', async () => {
      const result = await run(
        wazuhArgs(secure.url, { options: { ca_file: certificates.caFile } }),
      );
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(secure.received.at(-1)?.body).toBe(SSHD);
    });

    it('refuses a certificate it cannot verify, without retrying', async () => {
      const before = secure.received.length;
      const result = await run(wazuhArgs(secure.url));
      expect(result.code).toBe(5);
      expect(result.stderr).toMatch(
        /could not be verified .*set ca_file in the options; the alert is kept in the spool \(1 waiting\)\n$/,
      );
      expect(secure.received).toHaveLength(before);
    });

    it('skips verification only with the insecure option', async () => {
      const result = await run(wazuhArgs(secure.url, { options: { insecure: true } }));
      expect(result.code).toBe(0);
    });
  },
);
