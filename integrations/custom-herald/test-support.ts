/**
 * Shared setup of the custom-herald tests: a fake Herald server, temporary alert, options and
 * spool files, and a runner that starts the script as integratord does.
 */
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
import { afterAll, afterEach, beforeAll } from 'vitest';

/** The script under test, run from this folder. */
const SCRIPT = fileURLToPath(new URL('./custom-herald', import.meta.url));
/** The key every run passes; tests check it never shows in output. */
export const API_KEY = 'hk_test_6f1d2c9a8b7e4f30a1b2c3d4';
/** The real Wazuh alerts of the repo's corpus. */
export const CORPUS = loadCorpus();
/** The alert a run posts unless it names another. */
export const SSHD = CORPUS[0]!.raw;

/** A reply the fake Herald gives; `hang` answers nothing. */
export type Reply =
  { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number } | 'hang';
/** A request the fake Herald received. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
/** A Herald stand-in on 127.0.0.1 that records requests and answers as told. */
export interface FakeHerald {
  url: string;
  received: Received[];
  /** Queues replies for the next requests; after them, 202 Accepted. */
  reply(...replies: Reply[]): void;
  /** Forgets what it received and the replies still queued. */
  reset(): void;
  close(): Promise<void>;
}

/** Herald's 202 body for one accepted alert. */
export const ACCEPTED = {
  accepted: [{ index: 0, id: '018f6f2c-1b2a-7c3d-9e4f-5a6b7c8d9e0f' }],
  rejected: [],
};

/** Starts a fake Herald on a free loopback port, over https when given a key and certificate. */
export async function startHerald(tls?: { key: Buffer; cert: Buffer }): Promise<FakeHerald> {
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

/** This test file's temporary folder; vitest loads this module once per test file. */
export const work = mkdtempSync(join(tmpdir(), 'custom-herald-test-'));
let fileCount = 0;

/** Writes a file the way integratord names them, e.g. /tmp/custom-herald-1733-42.alert. */
export function tempFile(suffix: 'alert' | 'options', content: string): string {
  const path = join(work, `custom-herald-${Date.now()}-${fileCount++}.${suffix}`);
  writeFileSync(path, content);
  return path;
}

/** How a run of the script ended. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh, empty spool directory (the default under /var/ossec is never touched). */
export function spoolDir(): string {
  const path = join(work, `spool-${fileCount++}`);
  mkdirSync(path);
  return path;
}

/** The alerts waiting in a spool, oldest first. */
export function spooled(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.alert'))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'));
}

/** Runs the script as integratord does: positional arguments, nothing on stdin. */
export function run(args: string[], { direct = false } = {}): Promise<Run> {
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
export function wazuhArgs(
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
export async function closedPort(): Promise<number> {
  const server = createHttpServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Gives the calling test file its own fake Herald: started before its tests, reset after each,
 * closed after all, when this file's temporary folder is removed too. The returned object reads
 * through to the running server, so it can be taken at module level.
 */
export function useFakeHerald(): FakeHerald {
  let server: FakeHerald | undefined;
  const started = (): FakeHerald => {
    if (!server) throw new Error('the fake Herald starts in beforeAll; use it inside a test');
    return server;
  };
  beforeAll(async () => {
    server = await startHerald();
  });
  afterEach(() => {
    server?.reset();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });
  return {
    get url() {
      return started().url;
    },
    get received() {
      return started().received;
    },
    reply: (...replies) => started().reply(...replies),
    reset: () => started().reset(),
    close: () => started().close(),
  };
}
