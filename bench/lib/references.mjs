// The references Herald is measured against, on the same machine in the same run: the raw
// limits of Redis, PostgreSQL and a bare Fastify, and Wazuh's own integration model
// (one process spawned per alert, in sequence).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/local-services.mjs';
import { repoRoot } from '../../scripts/toolchain.mjs';
import { createAlertSource, loadCorpus } from './alerts.mjs';
import { loadPg, loadRedis } from './deps.mjs';
import { runLoad } from './load.mjs';
import { ProcessSampler } from './proc.mjs';
import { API_KEY } from './system.mjs';

/** Foreign CPU above this share of the machine makes a reference measurement be taken again. */
const FOREIGN_CPU_LIMIT_PCT = 15;

/**
 * Measures with `measure` (resolving to a number or an object) up to `attempts` times,
 * until the machine was quiet: other processes (another test suite, say) used at most
 * FOREIGN_CPU_LIMIT_PCT of it. Keeps the quietest attempt; `foreign` records what it was,
 * so a disturbed reference is visible in the report.
 */
async function quietly(stores, foreign, key, measure, attempts = 3) {
  let best;
  for (let i = 0; i < attempts; i += 1) {
    const sampler = new ProcessSampler();
    // This process's tree holds Redis, the load generator, the bare server and pgbench
    // (and what it reaped); PostgreSQL was daemonised by pg_ctl and is its own tree.
    sampler.add('bench', process.pid, { tree: true });
    sampler.add('postgres', stores.postmasterPid, { tree: true });
    const before = sampler.snapshot();
    const value = await measure();
    const delta = ProcessSampler.delta(before, sampler.snapshot());
    const ours = Object.values(delta.processes).reduce((sum, p) => sum + p.cpuSeconds, 0);
    const pct = Math.max(
      0,
      Math.round(((delta.machineBusySeconds - ours) / delta.machineSeconds) * 100),
    );
    if (!best || pct < best.pct) best = { value, pct };
    if (pct <= FOREIGN_CPU_LIMIT_PCT) break;
  }
  foreign[key] = best.pct;
  return best.value;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `step` (which returns how many operations it did) for `seconds`; operations/s. */
async function timed(seconds, step) {
  const started = performance.now();
  const end = started + seconds * 1000;
  let count = 0;
  while (performance.now() < end) {
    const done = await step();
    if (done === 0) break;
    count += done;
  }
  return Math.round(count / ((performance.now() - started) / 1000));
}

/** XADD awaited one by one and pipelined by 100, XREADGROUP COUNT 100 + XACK, with ioredis. */
async function redisLoops(stores, seconds, foreign) {
  const Redis = loadRedis();
  const redis = new Redis(stores.redisUrl);
  const key = '{bench-ref}:stream';
  const fields = () => ['alert', randomUUID(), 'attempt', '0'];
  try {
    const xaddOneByOne = await quietly(stores, foreign, 'xaddOneByOne', () =>
      timed(seconds, async () => {
        await redis.xadd(key, '*', ...fields());
        return 1;
      }),
    );
    const xaddPipelined = await quietly(stores, foreign, 'xaddPipelined', () =>
      timed(seconds, async () => {
        const pipeline = redis.pipeline();
        for (let i = 0; i < 100; i += 1) pipeline.xadd(key, '*', ...fields());
        await pipeline.exec();
        return 100;
      }),
    );
    // Reads what the XADDs wrote, from the start each attempt (a fresh group).
    const xreadgroupAck = await quietly(stores, foreign, 'xreadgroupAck', async () => {
      await redis.xgroup('DESTROY', key, 'ref');
      await redis.xgroup('CREATE', key, 'ref', '0');
      return timed(seconds, async () => {
        const reply = await redis.xreadgroup(
          'GROUP',
          'ref',
          'c1',
          'COUNT',
          100,
          'STREAMS',
          key,
          '>',
        );
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) return 0;
        await redis.xack(key, 'ref', ...entries.map(([id]) => id));
        return entries.length;
      });
    });
    return { xaddOneByOne, xaddPipelined, xreadgroupAck };
  } finally {
    await redis.del(key);
    redis.disconnect();
  }
}

/** redis-benchmark's own figures for XADD, one client, unpipelined and pipelined by 100. */
async function redisBenchmark(stores, foreign) {
  const port = stores.redisPort;
  const run = (pipeline, requests) => {
    const out = spawnSync(
      'redis-benchmark',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-c',
        '1',
        '-n',
        String(requests),
        '-P',
        String(pipeline),
        '--csv',
        'XADD',
        '{bench-ref}:rb',
        '*',
        'alert',
        randomUUID(),
        'attempt',
        '0',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const line = out.stdout?.trim().split('\n').at(-1) ?? '';
    const rps = Number(line.split(',')[1]?.replaceAll('"', ''));
    return Number.isFinite(rps) ? Math.round(rps) : null;
  };
  return {
    xaddOneByOne: await quietly(stores, foreign, 'redisBenchmarkOneByOne', async () =>
      run(1, 100_000),
    ),
    xaddPipelined: await quietly(stores, foreign, 'redisBenchmarkPipelined', async () =>
      run(100, 2_000_000),
    ),
  };
}

/** pgbench: per alert one INSERT and eight UPDATEs, each its own transaction. */
async function pgbenchReference(stores, seconds, workDir, foreign) {
  const pg = loadPg();
  await stores.monitor.query('DROP DATABASE IF EXISTS bench_ref');
  await stores.monitor.query('CREATE DATABASE bench_ref');
  const url = new URL(stores.databaseUrl);
  url.pathname = '/bench_ref';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(
    `CREATE TABLE ref_alerts (id bigserial PRIMARY KEY, state text NOT NULL, attempt int NOT NULL DEFAULT 0,
       body jsonb NOT NULL, state_changed_at timestamptz NOT NULL DEFAULT now())`,
  );
  await client.end();
  const body = JSON.stringify(loadCorpus()[0]).replaceAll("'", "''");
  const states = [
    'enriching',
    'enriched',
    'analyzing',
    'analyzed',
    'formatting',
    'formatted',
    'sending',
    'sent',
  ];
  const script = [
    `INSERT INTO ref_alerts (state, body) VALUES ('new', '${body}') RETURNING id \\gset`,
    ...states.map(
      (s) =>
        `UPDATE ref_alerts SET state = '${s}', attempt = attempt + 1, state_changed_at = now() WHERE id = :id;`,
    ),
  ].join('\n');
  const scriptFile = join(workDir, 'pgbench-alert.sql');
  writeFileSync(scriptFile, `${script}\n`);
  const run = (clients) => {
    const out = spawnSync(
      join(stores.pgBin, 'pgbench'),
      [
        '-n',
        '-f',
        scriptFile,
        '-c',
        String(clients),
        '-j',
        String(Math.min(clients, 2)),
        '-T',
        String(seconds),
        '-h',
        '127.0.0.1',
        '-p',
        String(stores.pgPort),
        '-U',
        'herald',
        'bench_ref',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, PGPASSWORD: stores.password },
        timeout: (seconds + 60) * 1000,
      },
    );
    const tps = /tps = ([\d.]+)/.exec(out.stdout ?? '');
    if (!tps) throw new Error(`pgbench failed: ${out.stderr || out.stdout}`);
    return Math.round(Number(tps[1]));
  };
  try {
    return {
      oneConnection: await quietly(stores, foreign, 'pgbenchOne', async () => run(1)),
      sixteenConnections: await quietly(stores, foreign, 'pgbenchSixteen', async () => run(16)),
    };
  } finally {
    await stores.monitor.query('DROP DATABASE IF EXISTS bench_ref');
  }
}

async function startBareServer() {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./bare-server.mjs', import.meta.url)), String(port), API_KEY],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i += 1) {
    if ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok) {
      return {
        url,
        stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))),
      };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error('the bare Fastify server did not start');
}

/** Wazuh's model: the custom integration spawned once per alert, in sequence. */
function wazuhModel(url, workDir, { alerts, seconds }) {
  // The interpreter itself, not a version manager's shim, as a manager runs its bundled one.
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
  }).stdout.trim();
  const script = join(repoRoot, 'integrations/custom-herald/custom-herald');
  const dir = join(workDir, 'wazuh-alerts');
  mkdirSync(dir, { recursive: true });
  const source = createAlertSource(`wazuh-${Date.now()}`);
  const started = performance.now();
  let delivered = 0;
  let failed = 0;
  for (let seq = 0; seq < alerts && performance.now() - started < seconds * 1000; seq += 1) {
    const file = join(dir, `${seq}.json`);
    writeFileSync(file, source.render(seq));
    const run = spawnSync(python, [script, file, API_KEY, `${url}/v1/alerts`], { timeout: 15_000 });
    if (run.status === 0) delivered += 1;
    else failed += 1;
  }
  const elapsed = (performance.now() - started) / 1000;
  return {
    python,
    alerts: delivered,
    failed,
    seconds: Math.round(elapsed * 10) / 10,
    perSecond: Math.round((delivered / elapsed) * 10) / 10,
  };
}

/**
 * All references. `shapes` are the load shapes of the Herald runs ({ batch, concurrency }),
 * so the bare server is driven exactly as ingest-api is.
 */
export async function runReferences({ stores, workDir, say }, { seconds, shapes, wazuhAlerts }) {
  const foreign = {};
  say(`references: Redis loops (${seconds} s each)`);
  const redis = await redisLoops(stores, seconds, foreign);
  say('references: redis-benchmark');
  const redisBench = await redisBenchmark(stores, foreign);
  await stores.redisMonitor.flushall();
  say(
    `references: pgbench, INSERT + 8 UPDATEs per alert (${seconds} s on 1 and on 16 connections)`,
  );
  const postgres = await pgbenchReference(stores, seconds, workDir, foreign);
  const bare = await startBareServer();
  const fastify = [];
  try {
    for (const shape of shapes) {
      say(`references: bare Fastify, ${shape.batch} per POST, concurrency ${shape.concurrency}`);
      const load = await quietly(
        stores,
        foreign,
        `fastify-${shape.batch}-${shape.concurrency}`,
        () =>
          runLoad({
            url: `${bare.url}/v1/alerts`,
            apiKey: API_KEY,
            mode: 'max',
            durationS: seconds,
            batch: shape.batch,
            concurrency: shape.concurrency,
            maxAlerts: 50_000_000,
            runTag: `bare-${Date.now()}`,
          }),
      );
      const elapsed = (load.endedAt - load.startedAt) / 1000;
      fastify.push({
        ...shape,
        alertsPerSecond: Math.round(load.accepted / elapsed),
        postsPerSecond: Math.round(load.requests / elapsed),
        latencyMs: load.latencyMs,
      });
    }
    say(`references: Wazuh model, custom-herald spawned per alert (at most ${wazuhAlerts} alerts)`);
    const wazuh = await quietly(
      stores,
      foreign,
      'wazuh',
      async () => wazuhModel(bare.url, workDir, { alerts: wazuhAlerts, seconds: 60 }),
      2,
    );
    return { redis, redisBenchmark: redisBench, postgres, fastify, wazuh, foreignCpuPct: foreign };
  } finally {
    await bare.stop();
  }
}
