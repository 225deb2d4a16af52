// Turns the results into the tables the bench prints (and keeps in the JSON).
import { fmt, ratio, table } from './stats.mjs';

/**
 * Per alert: over the alerts' worth of work done (stage steps / 5), so a run that did not
 * drain is not flattered; with ingest alone, over the alerts accepted.
 */
export const perAlert = (value, run) => {
  const alerts = run.spec.only ? run.load.accepted : run.journey.alertEquivalents;
  return alerts ? value / alerts : null;
};
const seconds = (run) => (run.load.endedAt - run.load.startedAt) / 1000;
export const acceptedPerSecond = (run) => run.load.accepted / seconds(run);
const bareFor = (refs, spec) =>
  refs?.fastify.find((f) => f.batch === spec.batch && f.concurrency === spec.concurrency);

export function referenceTable(refs) {
  const other = (key) =>
    refs.foreignCpuPct?.[key] === undefined ? '-' : `${refs.foreignCpuPct[key]}%`;
  const rows = [
    [
      'Redis XADD, awaited one by one (ioredis)',
      fmt(refs.redis.xaddOneByOne),
      'entries/s',
      other('xaddOneByOne'),
    ],
    [
      'Redis XADD, pipelined by 100 (ioredis)',
      fmt(refs.redis.xaddPipelined),
      'entries/s',
      other('xaddPipelined'),
    ],
    [
      'Redis XREADGROUP COUNT 100 + XACK (ioredis)',
      fmt(refs.redis.xreadgroupAck),
      'entries/s',
      other('xreadgroupAck'),
    ],
    [
      'Redis XADD one by one (redis-benchmark -c 1)',
      fmt(refs.redisBenchmark.xaddOneByOne),
      'entries/s',
      other('redisBenchmarkOneByOne'),
    ],
    [
      'Redis XADD pipelined by 100 (redis-benchmark -c 1 -P 100)',
      fmt(refs.redisBenchmark.xaddPipelined),
      'entries/s',
      other('redisBenchmarkPipelined'),
    ],
    [
      'PostgreSQL INSERT + 8 UPDATEs, 1 tx each, 1 connection (pgbench)',
      fmt(refs.postgres.oneConnection),
      'alerts/s',
      other('pgbenchOne'),
    ],
    [
      'PostgreSQL INSERT + 8 UPDATEs, 1 tx each, 16 connections (pgbench)',
      fmt(refs.postgres.sixteenConnections),
      'alerts/s',
      other('pgbenchSixteen'),
    ],
    ...refs.fastify.map((f) => [
      `bare Fastify, ${f.batch} per POST, concurrency ${f.concurrency}`,
      fmt(f.alertsPerSecond),
      `alerts/s (${fmt(f.postsPerSecond)} POSTs/s)`,
      other(`fastify-${f.batch}-${f.concurrency}`),
    ]),
    [
      `Wazuh model: custom-herald spawned per alert (${refs.wazuh.alerts} alerts)`,
      fmt(refs.wazuh.perSecond, 1),
      'alerts/s',
      other('wazuh'),
    ],
  ];
  return table(['reference', 'measured', 'unit', 'foreign CPU'], rows);
}

function describe(spec) {
  const load = spec.mode === 'rate' ? `${spec.rate}/s` : 'max';
  if (spec.sql?.length) return `${spec.name} (${spec.sql.join('; ')})`;
  const extra = `, ${spec.receiver ?? 'mailbox'}, ${spec.nodeFlags?.length ? spec.nodeFlags.join(' ') : 'no Node flags'}`;
  if (spec.preload) return `${spec.name} (stages alone, ${spec.replicas}r${extra})`;
  return `${spec.name} (${load}, ${spec.batch}/POST, c${spec.concurrency}, ${spec.replicas}r${extra})`;
}

/** One column per run: throughput, latency, round trips, with ratios to the references. */
export function runsTable(runs, refs) {
  const rows = [];
  const add = (label, fn) => rows.push([label, ...runs.map((run) => fn(run) ?? '-')]);
  add('load seconds', (r) => fmt(seconds(r), 1));
  add('alerts accepted', (r) => fmt(r.load.accepted));
  add('accepted alerts/s', (r) => (r.spec.preload ? '(preloaded)' : fmt(acceptedPerSecond(r))));
  add('  ratio to bare Fastify, same shape', (r) =>
    ratio(acceptedPerSecond(r), bareFor(refs, r.spec)?.alertsPerSecond),
  );
  add(
    'POST latency p50 / p99 ms',
    (r) => `${fmt(r.load.latencyMs.p50, 1)} / ${fmt(r.load.latencyMs.p99, 1)}`,
  );
  add('rate schedule max lag ms', (r) =>
    r.spec.mode === 'rate' ? fmt(r.load.maxScheduleLagMs) : '-',
  );
  add('delivered alerts/s during load', (r) => fmt(r.journey.deliveredPerSecond.duringLoad));
  add('delivered alerts/s, load after 10 s', (r) => fmt(r.journey.deliveredPerSecond.steady));
  add('delivered alerts/s, first POST to last sent', (r) =>
    fmt(r.journey.deliveredPerSecond.endToEnd),
  );
  const delivered = (r) =>
    r.journey.deliveredPerSecond.steady ?? r.journey.deliveredPerSecond.duringLoad;
  add('  ratio to Wazuh model (process per alert)', (r) =>
    ratio(delivered(r), refs?.wazuh.perSecond),
  );
  add('  ratio to pgbench 1 tx/transition, 1 conn', (r) =>
    ratio(delivered(r), refs?.postgres.oneConnection),
  );
  add('  ratio to pgbench 1 tx/transition, 16 conns', (r) =>
    ratio(delivered(r), refs?.postgres.sixteenConnections),
  );
  add('drained (nothing pending)', (r) => (r.drained ? 'yes' : 'no'));
  add('sent / accepted', (r) => `${fmt(r.journey.moves.sent ?? 0)} / ${fmt(r.load.accepted)}`);
  // What the receiver itself counted: a check on `sent`, from the far end.
  add('requests at the null receiver', (r) =>
    r.receiverRequests === undefined ? '-' : fmt(r.receiverRequests),
  );
  add('POST-to-sent p50 ms', (r) => fmt(r.journey.latencyMs.at(-1).p50));
  add('POST-to-sent p95 ms', (r) => fmt(r.journey.latencyMs.at(-1).p95));
  add('POST-to-sent p99 ms', (r) => fmt(r.journey.latencyMs.at(-1).p99));
  add('PostgreSQL statements / alert', (r) => fmt(perAlert(r.pg.statements, r), 2));
  add('PostgreSQL transactions / alert', (r) => fmt(perAlert(r.pg.commits + r.pg.rollbacks, r), 2));
  add('PostgreSQL WAL syncs / alert', (r) => fmt(perAlert(r.pg.wal_syncs, r), 2));
  add('PostgreSQL WAL KiB / alert', (r) => fmt(perAlert(r.pg.wal_bytes / 1024, r), 1));
  add('  WAL full-page images / alert, checkpoints', (r) =>
    r.pg.wal_fpi === undefined
      ? '-'
      : `${fmt(perAlert(r.pg.wal_fpi, r), 2)}, ${fmt(r.pg.checkpoints)}`,
  );
  add('Redis commands / alert', (r) => fmt(perAlert(r.redis.commands, r), 2));
  add('Redis round trips (socket reads) / alert', (r) => fmt(perAlert(r.redis.reads, r), 2));
  add('machine CPU busy during load %', (r) => fmt(r.proc.load.machineBusyPct));
  add('  of it, processes not of this bench %', (r) =>
    fmt((otherCpuSeconds(r) / r.proc.load.machineSeconds) * 100),
  );
  return table(['figure', ...runs.map((r) => describe(r.spec))], rows);
}

/** Sampled processes that are not Herald or its stores. */
export const NOT_HERALD = ['bench', 'receiver'];

/** CPU busy on the machine during the load that none of the bench's processes used. */
export function otherCpuSeconds(run) {
  const ours =
    Object.values(run.proc.load.processes).reduce((sum, p) => sum + p.cpuSeconds, 0) +
    run.load.cpuSeconds;
  return Math.max(0, run.proc.load.machineBusySeconds - ours);
}

/** CPU seconds (and % of one core) during the load, and peak RSS, per process. */
export function processTable(run) {
  const names = Object.keys(run.proc.total.processes);
  const row = (name, loadCpu, totalCpu, extra) => [
    name,
    fmt(loadCpu, 1),
    `${fmt((loadCpu / run.proc.load.seconds) * 100)}%`,
    fmt(totalCpu, 1),
    ...extra,
  ];
  const rows = names.map((name) => {
    const total = run.proc.total.processes[name];
    const memory = run.memory?.[name];
    // A service per alert it handled (a stage: its own alerts done; ingest: alerts
    // accepted), a store per alert's worth of work.
    const handled =
      run.stages[name]?.done || (name === 'ingest-api' ? run.load.accepted : undefined);
    const perHandled = handled
      ? (total.cpuSeconds * 1000) / handled
      : perAlert(total.cpuSeconds * 1000, run);
    return row(name, run.proc.load.processes[name].cpuSeconds, total.cpuSeconds, [
      total.systemSeconds === undefined
        ? '-'
        : `${fmt((total.systemSeconds / Math.max(0.01, total.cpuSeconds)) * 100)}%`,
      fmt(perHandled, 2),
      fmt(total.startRssMb, 1),
      fmt(total.peakRssMb, 1),
      memory
        ? `${fmt(memory.heapUsedMb, 1)} / ${fmt(memory.heapTotalMb, 1)} / ${fmt(memory.externalMb, 1)}`
        : '',
    ]);
  });
  // The bench and the null receiver stand outside Herald, as the load generator does.
  const herald = Object.entries(run.proc.total.processes).filter(
    ([name]) => !NOT_HERALD.includes(name),
  );
  const heraldCpu = herald.reduce((sum, [, p]) => sum + p.cpuSeconds, 0);
  const heraldLoadCpu = herald.reduce(
    (sum, [name]) => sum + run.proc.load.processes[name].cpuSeconds,
    0,
  );
  rows.push(
    row('Herald with its stores (all above but bench, receiver)', heraldLoadCpu, heraldCpu, [
      '',
      fmt(perAlert(heraldCpu * 1000, run), 2),
      '',
      '',
      '',
    ]),
  );
  rows.push(row('load generator', run.load.cpuSeconds, run.load.cpuSeconds, ['', '', '', '', '']));
  rows.push(
    row('other processes on the machine', otherCpuSeconds(run), null, ['', '', '', '', '']),
  );
  return table(
    [
      'process',
      'CPU s (load)',
      'of 1 core',
      'CPU s (load+drain)',
      'in kernel',
      'CPU ms / alert handled',
      'RSS at start MB',
      'peak RSS MB',
      'heap used/total/external MB at end',
    ],
    rows,
  );
}

/** Heap used per service over the run, every 5 s (MB), to tell a leak from a lazy GC. */
export function memoryText(run) {
  if (!run.memorySeries?.length) return '';
  const labels = [...new Set(run.memorySeries.flatMap((sample) => Object.keys(sample)))].filter(
    (k) => k !== 'at',
  );
  const t0 = run.memorySeries[0].at;
  const rows = labels.map((label) => [
    label,
    run.memorySeries.map((s) => (s[label] ? fmt(s[label].heapUsedMb) : '.')).join(' '),
  ]);
  return `heap used MB every 5 s from load start (last sample at ${Math.round((run.memorySeries.at(-1).at - t0) / 1000)} s):\n${rows
    .map(([l, v]) => `  ${l.padEnd(12)} ${v}`)
    .join('\n')}`;
}

export function hopsTable(run) {
  return table(
    ['POST to sent, by hop', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    run.journey.latencyMs.map((h) => [h.hop, fmt(h.p50), fmt(h.p95), fmt(h.p99), fmt(h.max)]),
  );
}

export function stageTable(run) {
  const maxLag = {};
  for (const sample of run.lagSeries) {
    for (const stream of ['enrich', 'analyze', 'format', 'send']) {
      maxLag[stream] = Math.max(maxLag[stream] ?? 0, sample[stream]?.lag ?? 0);
    }
  }
  const stageOf = { enricher: 'enrich', analyzer: 'analyze', formatter: 'format', sender: 'send' };
  const rows = Object.entries(run.stages).map(([label, s]) => [
    label,
    fmt(s.done),
    fmt(s.batches),
    fmt(s.batches ? s.done / s.batches : null, 1),
    fmt(s.batches ? (s.batchSeconds / s.batches) * 1000 : null, 1),
    fmt(s.swept),
    fmt(maxLag[stageOf[label.replace(/-\d+$/, '')]]),
  ]);
  return table(
    [
      'stage process',
      'alerts done',
      'batches',
      'alerts/batch',
      'ms/batch',
      'swept',
      'max stream lag',
    ],
    rows,
  );
}

export function redisTable(run) {
  const rows = Object.entries(run.redis.calls)
    .sort((a, b) => b[1] - a[1])
    .map(([name, calls]) => [name, fmt(calls), fmt(perAlert(calls, run), 2)]);
  return table(['Redis command', 'calls', 'per alert'], rows);
}

export function statementsTable(run) {
  const rows = run.statements.map((s) => [
    s.query.slice(0, 90),
    fmt(s.calls),
    fmt(perAlert(s.calls, run), 2),
    fmt(s.meanMs, 2),
    fmt(s.totalMs / 1000, 1),
    fmt(s.rowsPerCall, 1),
  ]);
  return table(
    ['statement (pg_stat_statements)', 'calls', 'per alert', 'mean ms', 'total s', 'rows/call'],
    rows,
  );
}

export function storageText(run) {
  const s = run.journey.storage;
  if (!s) return '';
  const kb = (b) => (b === null ? '-' : `${(b / 1024).toFixed(1)} KiB`);
  return (
    `stored per alert (as stored, compressed): body ${kb(s.avgBytes.body)}, enrichment ${kb(s.avgBytes.enrichment)}, ` +
    `analysis ${kb(s.avgBytes.analysis)}, rendered message ${kb(s.avgBytes.rendered)}; ` +
    `tables with indexes and TOAST over ${fmt(s.storedAlerts)} alerts: alerts ${kb(s.tableBytesPerAlert.alerts)}, ` +
    `alert_transitions ${kb(s.tableBytesPerAlert.alert_transitions)}, deliveries ${kb(s.tableBytesPerAlert.deliveries)} per alert`
  );
}

export function activityText(run) {
  const a = run.dbActivity;
  const list = (o) =>
    Object.entries(o)
      .slice(0, 8)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return `busy Herald connections in PostgreSQL (average over ${a.samples} samples):\n  by wait: ${list(a.busyByWait)}\n  by service: ${list(a.busyByService)}`;
}

export function profileText(profile) {
  const list = (entries) =>
    entries.map((e) => `    ${String(e.pct).padStart(5)}%  ${e.name}`).join('\n');
  return [
    `CPU profile of ${profile.service}: ${profile.busySeconds} s busy of ${profile.wallSeconds} s, GC ${profile.gcPct}% of busy`,
    '  self time by package:',
    list(profile.selfByPackage.slice(0, 10)),
    '  self time by function:',
    list(profile.selfByFunction),
    "  total time (inclusive) by Herald's own functions:",
    list(profile.totalByHeraldFunction),
    '  total time (inclusive) by any function:',
    list(profile.totalByFunction.slice(0, 10)),
  ].join('\n');
}
