// One measured run of the whole system: fresh stores, the services started, load driven,
// the pipeline drained (bounded), and every figure collected from the servers' counters,
// /proc and the state history in PostgreSQL.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from './load.mjs';
import { prefill } from './prefill.mjs';
import { ProcessSampler, resetPeakRss } from './proc.mjs';
import { summariseProfile } from './profile.mjs';
import { journeyFigures } from './journey.mjs';
import {
  pgDelta,
  pgSnapshot,
  RedisProbe,
  redisDelta,
  redisSnapshot,
  sampleActivity,
  scrapeMemory,
  scrapeStage,
  topStatements,
} from './store-stats.mjs';
import { API_KEY, STAGE_SERVICES, startNullReceiver, startServices } from './system.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function snapshotAll(sampler, probe, stores) {
  return {
    proc: sampler.snapshot(),
    redis: await redisSnapshot(probe),
    pg: await pgSnapshot(stores.monitor),
  };
}

/** Polls the stage groups until nothing is waiting or pending, or `timeoutS` passes. */
async function drain(probe, timeoutS) {
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    const groups = await probe.groups();
    if (Object.values(groups).every((g) => g.lag === 0 && g.pending === 0)) return true;
    await sleep(250);
  }
  return false;
}

/**
 * spec: { name, mode, rate, durationS, batch, concurrency, maxAlerts, replicas,
 * drainTimeoutS, profile: service names to run with --cpu-prof, prefill, only: services to
 * start, preload: alerts to store before the stages start, receiver: 'mailbox' or
 * 'webhook' (the null receiver) }.
 */
export async function runHerald({ stores, toolchain, workDir, say }, spec) {
  await stores.reset();
  for (const statement of spec.sql ?? []) {
    say(`${spec.name}: ${statement}`);
    await stores.herald.query(statement);
  }
  if (spec.prefill) await prefill(stores.herald, spec.prefill, say);
  const since = Date.now();
  const runDir = join(workDir, spec.name);
  const profileDir = join(runDir, 'profiles');
  mkdirSync(profileDir, { recursive: true });
  const nodeFlags = Object.fromEntries(
    ['ingest-api', ...STAGE_SERVICES].map((name) => [
      name,
      [
        ...(spec.nodeFlags ?? []),
        ...((spec.profile ?? []).includes(name)
          ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`]
          : []),
      ],
    ]),
  );
  say(
    `${spec.name}: starting services (${spec.replicas} replica(s) per stage${spec.profile?.length ? `, profiling ${spec.profile.join(', ')}` : ''})`,
  );
  const receiver =
    spec.receiver === 'webhook'
      ? await startNullReceiver({ toolchain, runDir, grouping: spec.grouping })
      : undefined;
  const serviceOptions = {
    stores,
    toolchain,
    logDir: join(runDir, 'logs'),
    mailboxDir: join(runDir, 'mailbox'),
    replicas: spec.replicas,
    nodeFlags,
    grouping: spec.grouping,
    env: receiver?.env ?? {},
  };
  // With a preload, the stages start only once the backlog is in: the run then measures
  // the stages alone, draining it, with nothing else competing for the machine.
  const services = await startServices({
    ...serviceOptions,
    only: spec.preload ? ['ingest-api'] : spec.only,
  });
  const stops = [...(receiver ? [() => receiver.stop()] : []), () => services.stop()];
  let preload;
  if (spec.preload) {
    say(`${spec.name}: preloading ${spec.preload} alerts with the stages stopped`);
    preload = await runLoad({
      url: `${services.apiUrl}/v1/alerts`,
      apiKey: API_KEY,
      mode: 'max',
      durationS: 900,
      batch: 100,
      concurrency: 4,
      maxAlerts: spec.preload,
      runTag: `${spec.name}-${Date.now()}`,
    });
  }

  const sampler = new ProcessSampler();
  for (const p of services.processes) sampler.add(p.label, p.pid);
  sampler.add('redis', stores.redisPid);
  // Redis outlives the runs: its peak RSS is counted from here (Linux: clear_refs 5).
  resetPeakRss(stores.redisPid);
  sampler.add('bench', process.pid);
  if (receiver) sampler.add('receiver', receiver.pid);
  sampler.add('postgres', stores.postmasterPid, { tree: true });
  const probe = new RedisProbe(stores.redisMonitor);
  const lagSeries = [];
  const memorySeries = [];
  let result;
  try {
    await stores.monitor.query('SELECT pg_stat_statements_reset()');
    sampler.start(1000);
    let sampling = true;
    const lagLoop = (async () => {
      for (let tick = 0; sampling; tick += 1) {
        lagSeries.push({ at: Date.now(), ...(await probe.groups()) });
        // Each service's own view of its memory every 5 s: a leak climbs, a lazy GC saws.
        if (tick % 5 === 0) {
          const sample = { at: Date.now() };
          for (const p of services.processes) sample[p.label] = await scrapeMemory(p.opsUrl);
          memorySeries.push(sample);
        }
        await sleep(1000);
      }
    })();
    const activity = sampleActivity(stores.monitor);
    const before = await snapshotAll(sampler, probe, stores);

    let load;
    if (preload) {
      const startedAt = Date.now();
      const stages = await startServices({ ...serviceOptions, only: STAGE_SERVICES });
      stops.push(() => stages.stop());
      for (const p of stages.processes) {
        sampler.add(p.label, p.pid);
        services.processes.push(p);
      }
      say(`${spec.name}: stages started on a backlog of ${preload.accepted} alerts`);
      load = { ...preload, startedAt };
    } else {
      say(
        `${spec.name}: load ${spec.mode === 'rate' ? `${spec.rate} alerts/s` : 'as fast as accepted'}, ` +
          `${spec.batch} per POST, concurrency ${spec.concurrency}, ${spec.durationS} s`,
      );
      load = await runLoad({
        url: `${services.apiUrl}/v1/alerts`,
        apiKey: API_KEY,
        mode: spec.mode,
        rate: spec.rate,
        durationS: spec.durationS,
        batch: spec.batch,
        concurrency: spec.concurrency,
        maxAlerts: spec.maxAlerts,
        runTag: `${spec.name}-${Date.now()}`,
      });
    }
    // A preload run has no load phase of its own: its window is the stages' drain.
    let atLoadEnd = preload ? undefined : await snapshotAll(sampler, probe, stores);
    say(
      `${spec.name}: ${load.accepted} alerts accepted; draining (at most ${spec.drainTimeoutS} s)`,
    );
    const drained = spec.only ? false : await drain(probe, spec.drainTimeoutS);
    const drainEndedAt = Date.now();
    // A preload run's measured window is the stages' drain: that is its "load".
    if (preload) load.endedAt = drainEndedAt;
    const after = await snapshotAll(sampler, probe, stores);
    atLoadEnd ??= after;
    const dbActivity = await activity.stop();
    sampling = false;
    await lagLoop;
    const statements = await topStatements(stores.monitor);
    const stages = {};
    for (const p of services.processes.filter((p) => p.name !== 'ingest-api'))
      stages[p.label] = await scrapeStage(p.opsUrl);
    const memory = {};
    for (const p of services.processes) memory[p.label] = await scrapeMemory(p.opsUrl);
    const receiverRequests = receiver ? await receiver.received() : undefined;

    result = {
      spec,
      load,
      drained,
      drainEndedAt,
      before,
      atLoadEnd,
      after,
      proc: {
        load: ProcessSampler.delta(before.proc, atLoadEnd.proc),
        total: ProcessSampler.delta(before.proc, after.proc),
      },
      redis: redisDelta(before.redis, after.redis),
      pg: pgDelta(before.pg, after.pg),
      statements,
      dbActivity,
      stages,
      memory,
      receiverRequests,
      lagSeries,
      memorySeries,
      cpuSeries: sampler.series,
    };
  } finally {
    sampler.stop();
    say(`${spec.name}: stopping services`);
    for (const stop of stops.reverse()) await stop();
  }
  result.journey = await journeyFigures(
    stores.herald,
    since,
    result.load.startedAt,
    result.load.endedAt,
  );
  result.profiles = (spec.profile ?? [])
    .filter((name) => existsSync(join(profileDir, name)))
    .flatMap((name) =>
      readdirSync(join(profileDir, name), { withFileTypes: true })
        .filter((entry) => entry.name.endsWith('.cpuprofile'))
        .map((entry) => ({
          service: name,
          ...summariseProfile(join(profileDir, name, entry.name)),
        })),
    );
  delete result.before;
  delete result.atLoadEnd;
  delete result.after;
  return result;
}
