// `npm start`: the whole system on one machine with nothing set up beforehand. Installs
// the toolchain, starts Redis and PostgreSQL in the data folder unless REDIS_URL and
// DATABASE_URL point elsewhere, applies migrations, starts the five services, prints where
// to post alerts, and stops everything cleanly on Ctrl-C. What a killed earlier run left
// running on the same data folder is stopped first (see pid-files.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { ensureServerBinaries, ensureToolchain, repoRoot } from './toolchain.mjs';
import { postgresDataDir, startPostgres, startRedis } from './local-services.mjs';
import { pidFiles, stopLeftovers } from './pid-files.mjs';
import { SERVICE_ENV, SERVICE_NODE_OPTIONS } from './service-node-options.mjs';

// Ports of the local stores: away from the system-wide defaults (5432, 6379), so a
// machine's own servers are never touched.
const LOCAL_POSTGRES_PORT = 15432;
const LOCAL_REDIS_PORT = 16379;

const SERVICES = [
  { name: 'ingest-api' },
  { name: 'enricher', opsPort: 9101 },
  { name: 'analyzer', opsPort: 9102 },
  { name: 'formatter', opsPort: 9103 },
  { name: 'sender', opsPort: 9104 },
];

const dataDir = resolve(process.env.HERALD_DATA_DIR ?? join(repoRoot, '.herald'));
const httpHost = process.env.HERALD_HTTP_HOST ?? '127.0.0.1';
const httpPort = Number(process.env.HERALD_HTTP_PORT ?? 8080);
const mailboxDir = join(dataDir, 'mailbox');
const logDir = join(dataDir, 'logs');
const pids = pidFiles(join(dataDir, 'run'));
// How long a service gets to finish its batch on SIGTERM before SIGKILL.
const SERVICE_STOP_GRACE_MS = 15_000; // 15 s
const REDIS_STOP_GRACE_MS = 10_000; // 10 s

const serviceScript = (name) => join(repoRoot, 'apps', name, 'src/main.ts');
const isStartScript = (cmdline) => cmdline.includes('start.mjs');
// redis-server rewrites its command line to "redis-server 127.0.0.1:<port>".
const isOurRedis = (cmdline) =>
  cmdline.includes('redis-server') &&
  (cmdline.includes(`127.0.0.1:${LOCAL_REDIS_PORT}`) || cmdline.includes(`--port ${LOCAL_REDIS_PORT}`));

function say(message) {
  process.stdout.write(`[herald] ${message}\n`);
}

/** The API key: HERALD_API_KEY, else one generated once and kept in the data folder. */
function apiKey() {
  if (process.env.HERALD_API_KEY) return process.env.HERALD_API_KEY;
  const file = join(dataDir, 'api-key');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Rejects with a message naming the variable to change when `port` is taken. */
function assertPortFree(host, port, variable) {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', (err) =>
      reject(new Error(`port ${port} on ${host} is not free (${err.code}); set ${variable} to another port`)),
    );
    server.listen(port, host, () => server.close(() => resolvePort()));
  });
}

async function waitReady(url, child, name, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${join(logDir, `${name}.log`)}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} was not ready after ${timeoutMs / 1000} s; see ${join(logDir, `${name}.log`)}`);
}

const runningStart = pids.running('start', isStartScript);
if (runningStart !== undefined) {
  say(`another npm start (pid ${runningStart}) runs on ${dataDir}; stop it first (Ctrl-C there)`);
  process.exit(1);
}
pids.record('start', process.pid);

const toolchain = ensureToolchain();
mkdirSync(mailboxDir, { recursive: true });
mkdirSync(logDir, { recursive: true });

const stops = [];
const children = [];
let shuttingDown = false;

async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping services');
  // Services first (they finish their batches while the stores are up), then the stores.
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise((resolveExit) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
          const timer = setTimeout(() => child.kill('SIGKILL'), SERVICE_STOP_GRACE_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            resolveExit();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  for (const { service } of children) pids.forget(service.name);
  for (const stop of stops.reverse()) await stop().catch(() => {});
  pids.forget('start');
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));

try {
  // Services before Redis, like a clean stop: they finish their batch while it is up.
  const leftovers = await stopLeftovers(pids, [
    SERVICES.map(({ name }) => ({
      name,
      matches: (cmdline) => cmdline.includes(serviceScript(name)),
      graceMs: SERVICE_STOP_GRACE_MS,
    })),
    [{ name: 'redis', matches: isOurRedis, graceMs: REDIS_STOP_GRACE_MS }],
  ]);
  if (leftovers.length > 0) say(`stopped what an earlier run left running: ${leftovers.join(', ')}`);

  let databaseUrl = process.env.DATABASE_URL;
  let redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    const binaries = ensureServerBinaries();
    if (!databaseUrl) {
      const postgresDir = postgresDataDir(dataDir);
      if (postgresDir.moved) {
        say(`the postgres user cannot enter ${dataDir}, so PostgreSQL keeps its data in ${postgresDir.dir}`);
      }
      const postgres = await startPostgres({ binaries, dataDir: postgresDir.dir, port: LOCAL_POSTGRES_PORT, database: 'herald', log: say });
      stops.push(postgres.stop);
      databaseUrl = postgres.url;
      say(`PostgreSQL on 127.0.0.1:${LOCAL_POSTGRES_PORT} (data in ${postgresDir.dir})`);
    }
    if (!redisUrl) {
      const redis = await startRedis({
        binary: binaries.redisServer,
        dataDir: join(dataDir, 'redis'),
        port: LOCAL_REDIS_PORT,
        onSpawn: (pid) => pids.record('redis', pid),
      });
      stops.push(async () => {
        await redis.stop();
        pids.forget('redis');
      });
      redisUrl = redis.url;
      say(`Redis on 127.0.0.1:${LOCAL_REDIS_PORT} (AOF in ${join(dataDir, 'redis')})`);
    }
  }

  const migrate = spawnSync(toolchain.node, [join(repoRoot, 'packages/db/src/cli.ts'), 'migrate'], {
    env: { ...toolchain.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr || migrate.stdout}`);
  say(migrate.stdout.trim());

  const bindHost = httpHost === '0.0.0.0' ? '0.0.0.0' : '127.0.0.1';
  await assertPortFree(bindHost, httpPort, 'HERALD_HTTP_PORT');
  for (const service of SERVICES.filter((svc) => svc.opsPort)) {
    const variable = `HERALD_${service.name.toUpperCase()}_OPS_PORT`;
    await assertPortFree('127.0.0.1', Number(process.env[variable] ?? service.opsPort), variable);
  }

  const key = apiKey();
  const serviceEnv = {
    ...toolchain.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    HERALD_API_KEY: key,
    HERALD_HTTP_HOST: httpHost,
    HERALD_HTTP_PORT: String(httpPort),
    HERALD_MAILBOX_DIR: process.env.HERALD_MAILBOX_DIR ?? mailboxDir,
    ...SERVICE_ENV,
  };
  for (const service of SERVICES) {
    const log = openSync(join(logDir, `${service.name}.log`), 'a');
    const env = { ...serviceEnv, ...(service.opsPort ? { OPS_PORT: String(process.env[`HERALD_${service.name.toUpperCase()}_OPS_PORT`] ?? service.opsPort) } : {}) };
    // Detached: Ctrl-C reaches only this script, which stops the services in order (and
    // once: a service takes a second signal as "exit now, unfinished").
    const child = spawn(toolchain.node, [...SERVICE_NODE_OPTIONS, serviceScript(service.name)], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', log, log],
      detached: true,
    });
    if (child.pid !== undefined) pids.record(service.name, child.pid);
    child.on('exit', (code, signal) => {
      if (!shuttingDown) {
        say(`${service.name} exited (${code ?? signal}); see ${join(logDir, `${service.name}.log`)}`);
        void shutdown(1);
      }
    });
    children.push({ service, child, env });
  }
  for (const { service, child, env } of children) {
    const readyUrl = service.opsPort
      ? `http://127.0.0.1:${env.OPS_PORT}/readyz`
      : `http://${httpHost === '0.0.0.0' ? '127.0.0.1' : httpHost}:${httpPort}/readyz`;
    await waitReady(readyUrl, child, service.name);
  }

  const base = `http://${httpHost === '0.0.0.0' ? '127.0.0.1' : httpHost}:${httpPort}`;
  say('Herald is running.');
  say(`  API:      ${base}/v1/alerts`);
  say(`  API key:  ${key}`);
  say(`            export HERALD_API_KEY=${key}`);
  say(`  Mailbox:  ${serviceEnv.HERALD_MAILBOX_DIR}`);
  say(`  Logs:     ${logDir}`);
  say('  Feed it the bundled sample alerts:');
  say(`    curl -H "Authorization: Bearer ${key}" -H 'Content-Type: application/x-ndjson' --data-binary @corpus/wazuh-alerts.ndjson ${base}/v1/alerts`);
  say('Press Ctrl-C to stop.');
} catch (err) {
  process.stderr.write(`[herald] ${err instanceof Error ? err.message : String(err)}\n`);
  await shutdown(1);
}
