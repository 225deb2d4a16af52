#!/usr/bin/env node
// `npm run bench` / `node bench/run.mjs`: Herald measured as an operator sizing it would
// measure it. Starts PostgreSQL (fsync on) and Redis (AOF) in a throwaway folder on free
// loopback ports, the five services as separate processes, drives corpus-derived alerts
// over HTTP, and prints throughput, latency, CPU, memory and round trips per alert next to
// the references measured on the same machine in the same run. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVICE_NODE_OPTIONS } from '../scripts/service-node-options.mjs';
import { ensureToolchain, repoRoot } from '../scripts/toolchain.mjs';

const USAGE = `usage: node bench/run.mjs [options]

With no mode, runs the suite: references, ingest alone for 20 s (batched, then one alert
per POST), the whole system for 60 s as fast as accepted (batched, then single-alert POSTs)
and at 500 alerts/s, then the stages alone draining a preloaded backlog of 20,000 alerts
on 1 and on 2 replicas per stage.

  --max                  post as fast as accepted (closed loop)
  --rate N               post N alerts/s (open loop)
  --duration S           seconds of load (default 60)
  --batch N              alerts per POST, NDJSON when > 1 (default 100 with --max, else 1)
  --concurrency C        requests in flight (default 4 batched, 32 single, 64 with --rate)
  --replicas N           replicas of each stage worker (default 1)
  --compare-replicas     run the given mode on 1 and on 2 replicas
  --max-alerts N         bound on alerts posted per run (default 2000000)
  --drain-timeout S      how long to wait for the pipeline to empty (default 60, 600 with --preload)
  --profile a,b          run these services with node --cpu-prof and summarise
  --node-flags="..."     Node flags for every service instead of the ones they ship with
                         (scripts/service-node-options.mjs); --node-flags= for none
  --sql "...; ..."       statements run on Herald's database after the migrations, before
                         each run: a schema or server setting to try (ALTER TABLE, ALTER
                         SYSTEM followed by SELECT pg_reload_conf())
  --prefill N            store N finished alerts before the run (tables of a long-lived
                         install); with --preload, the same run on empty tables comes first
  --ingest-only          start ingest-api alone (its own ceiling, without the stages)
  --preload N            store N alerts with the stages stopped, then measure the stages
                         alone draining them (pipeline capacity without ingest or load)
  --grouping             keep Herald's default grouping: the bench's alerts repeat rules
                         on agents, so most fold into digests and far fewer messages go out
                         (by default every alert is its own group, HERALD_GROUP_BY=...)
  --receiver R           webhook (default: every alert to a null HTTP receiver in its own
                         process, as a signed webhook: delivery as to Slack, Teams or
                         PagerDuty) or mailbox (the sender's out-of-the-box receiver: an
                         .eml file per message, fsync per file)
  --no-references        skip the reference measurements
  --ref-seconds S        seconds per reference measurement (default 10)
  --wazuh-alerts N       alerts for the process-per-alert model (default 300)
  --quick                the suite with 15 s runs (a smoke test of the bench)
  --keep                 keep the temporary data folder (logs, mailbox, profiles)
  --report FILE          print the tables of a saved bench/results/*.json again, run nothing
`;

const { values: args } = parseArgs({
  options: {
    max: { type: 'boolean' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
    replicas: { type: 'string' },
    'compare-replicas': { type: 'boolean' },
    'max-alerts': { type: 'string' },
    'drain-timeout': { type: 'string' },
    profile: { type: 'string' },
    'node-flags': { type: 'string' },
    sql: { type: 'string' },
    prefill: { type: 'string' },
    'ingest-only': { type: 'boolean' },
    preload: { type: 'string' },
    'no-references': { type: 'boolean' },
    grouping: { type: 'boolean' },
    receiver: { type: 'string' },
    'ref-seconds': { type: 'string' },
    'wazuh-alerts': { type: 'string' },
    quick: { type: 'boolean' },
    keep: { type: 'boolean' },
    report: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

if (args.report) {
  const saved = JSON.parse(readFileSync(args.report, 'utf8'));
  const report = { ...(await import('./lib/report.mjs')), ...(await import('./lib/targets.mjs')) };
  process.stdout.write(`${renderReport(report, saved)}\n`);
  process.exit(0);
}

// The services run on Node 24; so does the bench, re-run under it when started on an older Node.
const toolchain = ensureToolchain();
if (Number(process.versions.node.split('.')[0]) < 24) {
  const rerun = spawnSync(toolchain.node, [process.argv[1], ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: toolchain.env,
  });
  process.exit(rerun.status ?? 1);
}

const { cleanupAll } = await import('./lib/cleanup.mjs');
const { runHerald } = await import('./lib/herald-run.mjs');
const { runReferences } = await import('./lib/references.mjs');
const report = { ...(await import('./lib/report.mjs')), ...(await import('./lib/targets.mjs')) };
const { startStores } = await import('./lib/system.mjs');

const number = (name, fallback) => {
  if (args[name] === undefined) return fallback;
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${name} must be a positive number, got ${args[name]}\n${USAGE}`);
    process.exit(2);
  }
  return value;
};

if (args.receiver !== undefined && !['mailbox', 'webhook'].includes(args.receiver)) {
  process.stderr.write(`--receiver must be mailbox or webhook, got ${args.receiver}\n${USAGE}`);
  process.exit(2);
}

function spec(
  name,
  { mode, rate, durationS, batch, concurrency, replicas = 1, profile = [], prefill, only, preload },
) {
  return {
    name,
    mode,
    rate,
    durationS,
    batch,
    concurrency: concurrency ?? (mode === 'rate' ? 64 : batch > 1 ? 4 : 32),
    replicas,
    maxAlerts: number('max-alerts', 2_000_000),
    drainTimeoutS: number('drain-timeout', preload ? 600 : 60),
    profile,
    prefill,
    only,
    preload,
    nodeFlags:
      args['node-flags'] === undefined
        ? SERVICE_NODE_OPTIONS
        : args['node-flags'].split(/\s+/).filter(Boolean),
    grouping: Boolean(args.grouping),
    receiver: args.receiver ?? 'webhook',
    sql: args.sql
      ? args.sql
          .split(';')
          .map((q) => q.trim())
          .filter(Boolean)
      : [],
  };
}

function plannedRuns() {
  const profile = args.profile
    ? args.profile
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
  if (args.preload) {
    const base = {
      mode: 'max',
      durationS: 0,
      batch: 100,
      profile,
      prefill: number('prefill', undefined),
      preload: number('preload', undefined),
    };
    const name = `preload-${base.preload}`;
    if (args['compare-replicas']) {
      return [
        spec(`${name}-1r`, { ...base, replicas: 1 }),
        spec(`${name}-2r`, { ...base, replicas: 2 }),
      ];
    }
    const replicas = number('replicas', 1);
    if (base.prefill) {
      // The same run on empty tables first, so the report can say whether it stayed flat.
      return [
        spec(name, { ...base, prefill: undefined, replicas }),
        spec(`${name}-prefill-${base.prefill}`, { ...base, replicas }),
      ];
    }
    return [spec(name, { ...base, replicas })];
  }
  if (args.max || args.rate) {
    const mode = args.rate ? 'rate' : 'max';
    const batch = number('batch', mode === 'max' ? 100 : 1);
    const base = {
      mode,
      rate: number('rate', undefined),
      durationS: number('duration', 60),
      batch,
      concurrency: number('concurrency', undefined),
      profile,
      prefill: number('prefill', undefined),
      only: args['ingest-only'] ? ['ingest-api'] : undefined,
    };
    const name =
      (mode === 'rate' ? `rate-${base.rate}` : `max-${batch > 1 ? 'batched' : 'single'}`) +
      (base.only ? '-ingest-only' : '') +
      (base.prefill ? `-prefill-${base.prefill}` : '');
    if (args['compare-replicas']) {
      return [
        spec(`${name}-1r`, { ...base, replicas: 1 }),
        spec(`${name}-2r`, { ...base, replicas: 2 }),
      ];
    }
    return [spec(name, { ...base, replicas: number('replicas', 1) })];
  }
  const long = args.quick ? 15 : number('duration', 60);
  const short = args.quick ? 10 : 20;
  const backlog = args.quick ? 3_000 : 20_000;
  const ingestOnly = { mode: 'max', durationS: short, only: ['ingest-api'], profile };
  return [
    // Ingest's own ceiling, without the stages competing for the two cores.
    spec('ingest-batched', { ...ingestOnly, batch: 100 }),
    spec('ingest-single', { ...ingestOnly, batch: 1 }),
    spec('max-batched', { mode: 'max', durationS: long, batch: 100, profile }),
    spec('max-single', { mode: 'max', durationS: long, batch: 1, profile }),
    spec('rate-500', { mode: 'rate', rate: 500, durationS: long, batch: 1, profile }),
    spec('stages-1r', {
      mode: 'max',
      durationS: 0,
      batch: 100,
      replicas: 1,
      preload: backlog,
      profile,
    }),
    spec('stages-2r', { mode: 'max', durationS: 0, batch: 100, replicas: 2, preload: backlog }),
  ];
}

const say = (message) => process.stdout.write(`[bench] ${message}\n`);
const runs = plannedRuns();
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const resultsDir = join(repoRoot, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const workDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
// PostgreSQL runs as its own user when we are root, and must reach its folder inside.
chmodSync(workDir, 0o755);

process.on('SIGINT', () => {
  say('interrupted: stopping services and servers');
  void cleanupAll().then(() => process.exit(130));
});

let exitCode = 0;
const output = {
  startedAt: startedAt.toISOString(),
  machine: machineFacts(),
  source: sourceFacts(),
  argv: process.argv.slice(2),
  references: null,
  runs: [],
};
try {
  const stores = await startStores({ workDir, toolchain, say });
  try {
    if (!args['no-references']) {
      const shapes = runs
        .map((r) => ({ batch: r.batch, concurrency: r.concurrency }))
        .filter(
          (s, i, all) =>
            all.findIndex((o) => o.batch === s.batch && o.concurrency === s.concurrency) === i,
        );
      output.references = await runReferences(
        { stores, workDir, say },
        { seconds: number('ref-seconds', 10), shapes, wazuhAlerts: number('wazuh-alerts', 300) },
      );
    }
    for (const run of runs)
      output.runs.push(await runHerald({ stores, toolchain, workDir, say }, run));
  } finally {
    await stores.stop();
  }
} catch (err) {
  exitCode = 1;
  output.error = err instanceof Error ? err.stack : String(err);
  process.stderr.write(`[bench] failed: ${output.error}\n`);
} finally {
  await cleanupAll();
  if (!args.keep) rmSync(workDir, { recursive: true, force: true });
  else say(`kept ${workDir}`);
}

const text = renderReport(report, output);
process.stdout.write(`\n${text}\n`);
const jsonFile = join(resultsDir, `${stamp}.json`);
writeFileSync(jsonFile, `${JSON.stringify(output, null, 2)}\n`);
writeFileSync(join(resultsDir, `${stamp}.txt`), `${text}\n`);
say(`results: ${jsonFile}`);
process.exit(exitCode);

/** The code measured: the commit, and the files that differed from it (others' work in progress). */
function sourceFacts() {
  const git = (...a) =>
    spawnSync('git', ['-C', repoRoot, ...a], { encoding: 'utf8' }).stdout.trim();
  const dirty = git('status', '--porcelain', '--untracked-files=no').split('\n').filter(Boolean);
  return {
    commit: git('rev-parse', '--short', 'HEAD'),
    subject: git('log', '-1', '--format=%s'),
    modifiedFiles: dirty.length,
    modified: dirty.slice(0, 40),
  };
}

function machineFacts() {
  const cpu = spawnSync('nproc', [], { encoding: 'utf8' }).stdout.trim();
  const model = /model name\s*:\s*(.+)/.exec(
    spawnSync('cat', ['/proc/cpuinfo'], { encoding: 'utf8' }).stdout,
  )?.[1];
  return {
    cpus: Number(cpu),
    model,
    node: process.version,
    kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim(),
  };
}

function renderReport(report, { startedAt: at, machine, source, argv, references, runs: done }) {
  const code = source
    ? `commit ${source.commit}${source.modifiedFiles ? ` + ${source.modifiedFiles} modified files` : ''}`
    : '';
  const parts = [
    `Herald bench, ${at}, ${machine.cpus} CPUs (${machine.model}), Node ${machine.node}, ${code}\n` +
      `command: node bench/run.mjs ${(argv ?? []).join(' ')}`,
  ];
  if (references)
    parts.push(`References (same machine, same run)\n${report.referenceTable(references)}`);
  if (done.length > 0) {
    parts.push(
      `Herald, whole system (5 services as processes, PostgreSQL fsync on, Redis AOF)\n${report.runsTable(done, references)}`,
    );
    for (const run of done) {
      const sections = [
        `--- ${run.spec.name} ---`,
        report.processTable(run),
        report.memoryText(run),
        report.stageTable(run),
        report.hopsTable(run),
        report.redisTable(run),
        report.statementsTable(run),
        report.activityText(run),
        report.storageText(run),
        ...run.profiles.map(report.profileText),
      ];
      parts.push(sections.join('\n\n'));
    }
    parts.push(`Targets\n${report.targetsTable(done)}`);
  }
  return parts.join('\n\n');
}
