// The targets of issue 6, checked against the runs of a bench invocation.
import { fmt, table } from './stats.mjs';
import { acceptedPerSecond, perAlert } from './report.mjs';

/** The targets against the runs that measure them. */
export function targetsTable(runs) {
  const find = (test) => runs.find(test);
  const driven = (r) => !r.spec.preload && !r.spec.only && !r.spec.prefill;
  const maxBatched = find(
    (r) => driven(r) && r.spec.mode === 'max' && r.spec.batch > 1 && r.spec.replicas === 1,
  );
  const maxSingle = find(
    (r) => driven(r) && r.spec.mode === 'max' && r.spec.batch === 1 && r.spec.replicas === 1,
  );
  const rate500 = find((r) => driven(r) && r.spec.mode === 'rate');
  const bestDelivered = Math.max(
    ...runs.map(
      (r) => r.journey.deliveredPerSecond.steady ?? r.journey.deliveredPerSecond.duringLoad ?? 0,
    ),
  );
  const rows = [];
  const add = (target, measured, met, where) =>
    rows.push([target, measured, met === undefined ? '-' : met ? 'met' : 'MISSED', where]);
  add(
    'end to end >= 1,500 alerts/s delivered',
    fmt(bestDelivered),
    bestDelivered >= 1500,
    'best steady delivered/s of all runs',
  );
  if (maxBatched)
    add(
      'ingest >= 5,000 alerts/s, batched POST',
      fmt(acceptedPerSecond(maxBatched)),
      acceptedPerSecond(maxBatched) >= 5000,
      maxBatched.spec.name,
    );
  if (maxSingle)
    add(
      'ingest >= 2,000 alerts/s, one alert per POST',
      fmt(acceptedPerSecond(maxSingle)),
      acceptedPerSecond(maxSingle) >= 2000,
      maxSingle.spec.name,
    );
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
        .filter(([n]) => !['redis', 'postgres', 'receiver'].includes(n))
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
  add('flat from 10 thousand to 1 million stored alerts', 'not measured', undefined, 'see README');
  return table(['target (issue 6)', 'measured', 'verdict', 'run'], rows);
}
