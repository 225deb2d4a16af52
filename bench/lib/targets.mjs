// The targets of issue 6, checked against the runs of a bench invocation.
import { fmt, table } from './stats.mjs';
import { acceptedPerSecond, NOT_HERALD, perAlert } from './report.mjs';

/** Steady delivered alerts/s of a run: after its first 10 s, or over its load when shorter. */
const steady = (r) => r.journey.deliveredPerSecond.steady ?? r.journey.deliveredPerSecond.duringLoad ?? 0;

/** The targets against the runs that measure them. */
export function targetsTable(runs) {
  const find = (test) => runs.find(test);
  const driven = (r) => !r.spec.preload && !r.spec.only && !r.spec.prefill;
  const ingestOnly = (r) => r.spec.only?.length === 1 && r.spec.only[0] === 'ingest-api';
  // Ingest's own ceiling: a run of ingest alone if there is one, else the whole system's.
  const ingestRun = (batched) =>
    find((r) => ingestOnly(r) && r.spec.mode === 'max' && (r.spec.batch > 1) === batched) ??
    find(
      (r) => driven(r) && r.spec.mode === 'max' && (r.spec.batch > 1) === batched && r.spec.replicas === 1,
    );
  const rate500 = find((r) => driven(r) && r.spec.mode === 'rate');
  const rows = [];
  const add = (target, measured, met, where) =>
    rows.push([target, measured, met === undefined ? '-' : met ? 'met' : 'MISSED', where]);
  // End to end: ingest and stages together, for five minutes.
  const sustained = runs.filter((r) => driven(r) && r.spec.durationS >= 300);
  if (sustained.length > 0) {
    const best = sustained.reduce((a, b) => (steady(b) > steady(a) ? b : a));
    add(
      'end to end >= 1,500 alerts/s delivered, 5 minutes',
      fmt(steady(best)),
      steady(best) >= 1500 && best.drained,
      `${best.spec.name}${best.drained ? '' : ' (not drained)'}`,
    );
  } else {
    add('end to end >= 1,500 alerts/s delivered, 5 minutes', 'no 5-minute run', undefined, '--duration 300');
  }
  const stages = runs.filter((r) => r.spec.preload);
  if (stages.length > 0) {
    const best = stages.reduce((a, b) => (steady(b) > steady(a) ? b : a));
    add('  the stages alone >= 1,500 alerts/s', fmt(steady(best)), steady(best) >= 1500, best.spec.name);
  }
  for (const [batched, floor, label] of [
    [true, 5000, 'ingest >= 5,000 alerts/s, batched POST'],
    [false, 2000, 'ingest >= 2,000 alerts/s, one alert per POST'],
  ]) {
    const run = ingestRun(batched);
    if (run) {
      const rate = acceptedPerSecond(run);
      add(label, fmt(rate), rate >= floor, `${run.spec.name}${ingestOnly(run) ? '' : ' (with the stages)'}`);
    }
  }
  if (rate500) {
    const p99 = rate500.journey.latencyMs.at(-1).p99;
    const complete = rate500.drained && (rate500.journey.moves.sent ?? 0) >= rate500.load.accepted;
    add(
      `p99 POST-to-sent < 2 s at ${rate500.spec.rate}/s`,
      `${fmt(p99)} ms${complete ? '' : ' (not all sent)'}`,
      complete && p99 < 2000,
      rate500.spec.name,
    );
  }
  const rss = Math.max(
    ...runs.flatMap((r) =>
      Object.entries(r.proc.total.processes)
        .filter(([n]) => !['redis', 'postgres', ...NOT_HERALD].includes(n))
        .map(([, p]) => p.peakRssMb),
    ),
  );
  add('every service < 200 MB RSS', `${fmt(rss, 1)} MB max`, rss < 200, 'all runs');
  const exact = rate500 ?? runs[0];
  if (exact) {
    const pgTrips = perAlert(exact.pg.statements, exact);
    const redisTrips = perAlert(exact.redis.reads, exact);
    add(
      '<= 6 PostgreSQL round trips / alert',
      fmt(pgTrips, 2),
      pgTrips <= 6,
      `${exact.spec.name} (statements)`,
    );
    add(
      '<= 12 Redis round trips / alert',
      fmt(redisTrips, 2),
      redisTrips <= 12,
      `${exact.spec.name} (socket reads)`,
    );
  }
  // Flat: the same shape of run with a million stored alerts and without, within 10 %.
  const large = find((r) => (r.spec.prefill ?? 0) >= 1_000_000);
  const small =
    large &&
    find(
      (r) =>
        !r.spec.prefill &&
        Boolean(r.spec.preload) === Boolean(large.spec.preload) &&
        r.spec.mode === large.spec.mode &&
        r.spec.replicas === large.spec.replicas,
    );
  if (large && small) {
    add(
      'flat from 10 thousand to 1 million stored alerts',
      `${fmt(steady(large))}/s against ${fmt(steady(small))}/s`,
      steady(large) >= 0.9 * steady(small),
      `${large.spec.name} against ${small.spec.name}`,
    );
  } else {
    add('flat from 10 thousand to 1 million stored alerts', 'not measured', undefined, '--prefill 1000000');
  }
  return table(['target (issue 6)', 'measured', 'verdict', 'run'], rows);
}
