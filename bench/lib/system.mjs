// The system under test, started as in production: PostgreSQL (fsync on) and Redis (AOF)
// from scripts/local-services.mjs in a throwaway folder on free loopback ports, the
// migrations applied with the herald-db CLI, and the five services as separate processes
// with their default settings, logging to files.
import { fork, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startPostgres, startRedis } from '../../scripts/local-services.mjs';
import { SERVICE_ENV } from '../../scripts/service-node-options.mjs';
import { ensureServerBinaries, repoRoot } from '../../scripts/toolchain.mjs';
import { onCleanup } from './cleanup.mjs';
import { loadPg, loadRedis } from './deps.mjs';

export const STAGE_SERVICES = ['enricher', 'analyzer', 'formatter', 'sender'];
export const NAMESPACE = 'herald';
export const API_KEY = 'bench-api-key-0123456789abcdef';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts PostgreSQL with pg_stat_statements preloaded (set with ALTER SYSTEM and a
 * restart, since startPostgres takes no extra options) and Redis, then migrates.
 */
export async function startStores({ workDir, toolchain, say }) {
  const binaries = ensureServerBinaries();
  const pg = loadPg();
  const Redis = loadRedis();
  const pgDir = join(workDir, 'postgres');
  const pgPort = await freePort();
  const start = () =>
    startPostgres({ binaries, dataDir: pgDir, port: pgPort, database: 'herald', fsync: true });
  let postgres = await start();
  const forgetPostgres = onCleanup(() => postgres.stop());
  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  await admin.query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
  await admin.end();
  await postgres.stop();
  postgres = await start();
  say(`PostgreSQL 127.0.0.1:${pgPort} (fsync on, pg_stat_statements loaded), data in ${pgDir}`);

  const redisPort = await freePort();
  const redis = await startRedis({
    binary: binaries.redisServer,
    dataDir: join(workDir, 'redis'),
    port: redisPort,
  });
  const forgetRedis = onCleanup(() => redis.stop());
  say(`Redis 127.0.0.1:${redisPort} (AOF everysec), data in ${join(workDir, 'redis')}`);

  const migrate = spawnSync(toolchain.node, [join(repoRoot, 'packages/db/src/cli.ts'), 'migrate'], {
    env: { ...toolchain.env, DATABASE_URL: postgres.url },
    encoding: 'utf8',
  });
  if (migrate.status !== 0)
    throw new Error(`migrations failed: ${migrate.stderr || migrate.stdout}`);

  const monitor = new pg.Client({
    connectionString: postgres.adminUrl,
    application_name: 'bench-monitor',
  });
  await monitor.connect();
  await monitor.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const herald = new pg.Client({
    connectionString: postgres.url,
    application_name: 'bench-monitor',
  });
  await herald.connect();
  const redisMonitor = new Redis(redis.url, { connectionName: 'bench-monitor' });
  const redisPid = Number(/process_id:(\d+)/.exec(await redisMonitor.info('server'))[1]);
  const postmasterPid = Number(
    readFileSync(join(pgDir, 'cluster', 'postmaster.pid'), 'utf8').split('\n')[0],
  );

  return {
    databaseUrl: postgres.url,
    adminUrl: postgres.adminUrl,
    redisUrl: redis.url,
    pgPort,
    redisPort,
    password: new URL(postgres.url).password,
    redisPid,
    postmasterPid,
    pgBin: binaries.pgCtl.replace(/\/pg_ctl$/, ''),
    /** A client on the `postgres` database for the pg_stat views (not counted as Herald's). */
    monitor,
    /** A client on Herald's database, used only between measured windows. */
    herald,
    redisMonitor,
    /** Empties Herald's tables and Redis; services must be stopped. */
    async reset() {
      const { rows } = await herald.query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'",
      );
      await herald.query(
        `TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY`,
      );
      await herald.query('VACUUM ANALYZE');
      await herald.query('CHECKPOINT');
      await redisMonitor.flushall();
      await redisMonitor.config('RESETSTAT');
    },
    async stop() {
      await monitor.end().catch(() => {});
      await herald.end().catch(() => {});
      redisMonitor.disconnect();
      await redis.stop();
      await postgres.stop();
      forgetRedis();
      forgetPostgres();
    },
  };
}

async function waitReady(url, child, label, logFile) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${label} exited with ${child.exitCode}; see ${logFile}`);
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return;
    await sleep(100);
  }
  throw new Error(`${label} was not ready after 60 s; see ${logFile}`);
}

/**
 * Starts ingest-api and `replicas` of each stage worker, each its own Node process with
 * default settings (`only`: just these services). `nodeFlags` maps a service name to extra Node flags (--cpu-prof).
 */
export async function startServices({
  stores,
  toolchain,
  logDir,
  mailboxDir,
  replicas = 1,
  only,
  nodeFlags = {},
  grouping = false,
  env = {},
}) {
  mkdirSync(logDir, { recursive: true });
  const httpPort = await freePort();
  const apiUrl = `http://127.0.0.1:${httpPort}`;
  const common = {
    ...toolchain.env,
    DATABASE_URL: stores.databaseUrl,
    REDIS_URL: stores.redisUrl,
    HERALD_REDIS_NAMESPACE: NAMESPACE,
    HERALD_API_KEY: API_KEY,
    HERALD_HTTP_HOST: '127.0.0.1',
    HERALD_HTTP_PORT: String(httpPort),
    HERALD_MAILBOX_DIR: mailboxDir,
    HERALD_PUBLIC_URL: apiUrl,
    // Every alert its own group unless asked: the figures are per alert delivered.
    ...(grouping ? {} : { HERALD_GROUP_BY: '...' }),
    ...SERVICE_ENV,
    ...env,
  };
  const plan = [{ name: 'ingest-api', label: 'ingest-api' }];
  for (const name of STAGE_SERVICES) {
    for (let i = 1; i <= replicas; i += 1)
      plan.push({ name, label: replicas > 1 ? `${name}-${i}` : name });
  }
  const processes = [];
  for (const { name, label } of plan.filter((p) => !only || only.includes(p.name))) {
    const opsPort = name === 'ingest-api' ? undefined : await freePort();
    const logFile = join(logDir, `${label}.log`);
    const log = openSync(logFile, 'a');
    const child = spawn(
      toolchain.node,
      [...(nodeFlags[name] ?? []), join(repoRoot, 'apps', name, 'src/main.ts')],
      {
        cwd: repoRoot,
        env: {
          ...common,
          HERALD_REPLICA: `bench-${label}`,
          ...(opsPort ? { OPS_HOST: '127.0.0.1', OPS_PORT: String(opsPort) } : {}),
        },
        stdio: ['ignore', log, log],
      },
    );
    const opsUrl = opsPort ? `http://127.0.0.1:${opsPort}` : apiUrl;
    processes.push({ name, label, child, pid: child.pid, opsUrl, logFile });
  }
  const stopAll = () =>
    Promise.all(
      processes.map(
        ({ child }) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  const forget = onCleanup(stopAll);
  for (const p of processes) await waitReady(`${p.opsUrl}/readyz`, p.child, p.label, p.logFile);

  return {
    apiUrl,
    processes,
    /** SIGTERM to every service at once (a clean stop writes CPU profiles), SIGKILL after 30 s. */
    async stop() {
      await stopAll();
      forget();
    },
  };
}

/**
 * Starts the null receiver (`lib/null-receiver.mjs`) on a free loopback port and writes the
 * configuration file that routes every alert to it as a signed webhook. Returns the
 * environment the services need, the receiver's pid (sampled apart, like the load
 * generator) and a stop.
 */
export async function startNullReceiver({ toolchain, runDir, grouping }) {
  const port = await freePort();
  const child = fork(join(repoRoot, 'bench', 'lib', 'null-receiver.mjs'), [String(port)], {
    execPath: toolchain.node,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`null receiver exited (${code})`)));
  });
  const configFile = join(runDir, 'herald-bench.yaml');
  writeFileSync(
    configFile,
    [
      'receivers:',
      '  - name: null-webhook',
      '    webhook:',
      `      url: http://127.0.0.1:${port}/hook`,
      '      secret: bench-webhook-secret',
      'route:',
      '  receiver: null-webhook',
      // Every alert its own group unless asked, as with the mailbox.
      ...(grouping ? [] : ["  group_by: ['...']"]),
      '',
    ].join('\n'),
  );
  const forget = onCleanup(() => child.kill('SIGKILL'));
  return {
    env: { HERALD_CONFIG: configFile },
    pid: child.pid,
    /** Requests the receiver has answered: one per message delivered. */
    async received() {
      const response = await fetch(`http://127.0.0.1:${port}/count`);
      return (await response.json()).received;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      forget();
    },
  };
}
