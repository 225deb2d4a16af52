import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCorpus } from '@herald/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestCertificates, hasOpenssl } from '@herald/testkit';

const SCRIPT = fileURLToPath(new URL('./custom-herald', import.meta.url));
const API_KEY = 'hk_test_6f1d2c9a8b7e4f30a1b2c3d4';
const CORPUS = loadCorpus();
const SSHD = CORPUS[0]!.raw;

/** A reply the fake Herald gives; `hang` answers nothing. */
type Reply =
  { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number } | 'hang';
interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
interface FakeHerald {
  url: string;
  received: Received[];
  /** Queues replies for the next requests; after them, 202 Accepted. */
  reply(...replies: Reply[]): void;
  /** Forgets what it received and the replies still queued. */
  reset(): void;
  close(): Promise<void>;
}

const ACCEPTED = {
  accepted: [{ index: 0, id: '018f6f2c-1b2a-7c3d-9e4f-5a6b7c8d9e0f' }],
  rejected: [],
};

async function startHerald(tls?: { key: Buffer; cert: Buffer }): Promise<FakeHerald> {
  const received: Received[] = [];
  const queue: Reply[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const reply = queue.shift() ?? { status: 202, body: ACCEPTED };
      if (reply === 'hang') return;
      setTimeout(() => {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}));
      }, reply.delayMs ?? 0);
    });
  };
  const server = tls ? createHttpsServer(tls, handle) : createHttpServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/v1/alerts`,
    received,
    reply: (...replies) => queue.push(...replies),
    reset: () => {
      received.length = 0;
      queue.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const work = mkdtempSync(join(tmpdir(), 'custom-herald-test-'));
let fileCount = 0;

/** Writes a file the way integratord names them, e.g. /tmp/custom-herald-1733-42.alert. */
function tempFile(suffix: 'alert' | 'options', content: string): string {
  const path = join(work, `custom-herald-${Date.now()}-${fileCount++}.${suffix}`);
  writeFileSync(path, content);
  return path;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh, empty spool directory (the default under /var/ossec is never touched). */
function spoolDir(): string {
  const path = join(work, `spool-${fileCount++}`);
  mkdirSync(path);
  return path;
}

/** The alerts waiting in a spool, oldest first. */
function spooled(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.alert'))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'));
}

/** Runs the script as integratord does: positional arguments, nothing on stdin. */
function run(args: string[], { direct = false } = {}): Promise<Run> {
  const child = direct
    ? spawn(SCRIPT, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('python3', [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Wazuh's arguments: alert, key, hook, debug, options file, timeout, retries. */
function wazuhArgs(
  hookUrl: string,
  {
    alert = SSHD,
    debug = false,
    options = { backoff: 0.01 } as Record<string, unknown> | undefined,
    timeout = '3',
    retries = '3',
  } = {},
): string[] {
  return [
    tempFile('alert', alert),
    API_KEY,
    hookUrl,
    debug ? 'debug' : '',
    options ? tempFile('options', JSON.stringify({ spool_dir: spoolDir(), ...options })) : '',
    timeout,
    retries,
  ];
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createHttpServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

let herald: FakeHerald;
beforeAll(async () => {
  herald = await startHerald();
});
afterEach(() => {
  herald.reset();
});
afterAll(async () => {
  await herald.close();
  rmSync(work, { recursive: true, force: true });
});

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
