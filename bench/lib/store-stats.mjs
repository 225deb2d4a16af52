// What the stores did for Herald during a window: statements and transactions in
// PostgreSQL, commands and socket reads in Redis, both as deltas of the servers' own
// counters. The bench's own monitoring queries are kept out: PostgreSQL's are made on the
// `postgres` database (the counters read are Herald's database only), and Redis's are
// counted here and subtracted.
import { STAGE_SERVICES, NAMESPACE } from './system.mjs';

const STREAMS = ['enrich', 'analyze', 'format', 'send'];

/** Counts the bench's own Redis calls, so they can be taken out of the server's counters. */
export class RedisProbe {
  commands = {};
  reads = 0;

  constructor(redis) {
    this.redis = redis;
  }

  #count(name, n = 1) {
    this.commands[name] = (this.commands[name] ?? 0) + n;
  }

  async info(section) {
    this.reads += 1;
    this.#count('info');
    return this.redis.info(section);
  }

  /** XINFO GROUPS of every stage stream in one pipeline: lag and pending per stage. */
  async groups() {
    const pipeline = this.redis.pipeline();
    for (const stream of STREAMS) pipeline.xinfo('GROUPS', `{${NAMESPACE}}:${stream}`);
    this.reads += 1;
    this.#count('xinfo|groups', STREAMS.length);
    const replies = await pipeline.exec();
    const out = {};
    STREAMS.forEach((stream, i) => {
      const [err, groups] = replies[i];
      if (err || !Array.isArray(groups) || groups.length === 0) {
        out[stream] = { read: 0, lag: 0, pending: 0 };
        return;
      }
      const fields = {};
      for (let j = 0; j < groups[0].length; j += 2) fields[groups[0][j]] = groups[0][j + 1];
      out[stream] = {
        read: Number(fields['entries-read'] ?? 0),
        lag: Number(fields.lag ?? 0),
        pending: Number(fields.pending ?? 0),
      };
    });
    return out;
  }
}

function parseInfo(text) {
  const values = {};
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0) values[line.slice(0, at)] = line.slice(at + 1);
  }
  return values;
}

/** Redis counters now: calls per command, socket reads, commands processed. */
export async function redisSnapshot(probe) {
  const stats = parseInfo(await probe.info('stats'));
  const commandstats = parseInfo(await probe.info('commandstats'));
  const calls = {};
  for (const [key, value] of Object.entries(commandstats)) {
    const match = /^cmdstat_(.+)$/.exec(key);
    if (match) calls[match[1]] = Number(/calls=(\d+)/.exec(value)[1]);
  }
  return {
    calls,
    reads: Number(stats.total_reads_processed),
    commands: Number(stats.total_commands_processed),
    probeCommands: { ...probe.commands },
    probeReads: probe.reads,
  };
}

/** Herald's Redis work between two snapshots, the probe's own calls taken out. */
export function redisDelta(before, after) {
  const calls = {};
  for (const [name, count] of Object.entries(after.calls)) {
    const own = (after.probeCommands[name] ?? 0) - (before.probeCommands[name] ?? 0);
    const delta = count - (before.calls[name] ?? 0) - own;
    if (delta > 0) calls[name] = delta;
  }
  const ownCommands =
    Object.values(after.probeCommands).reduce((a, b) => a + b, 0) -
    Object.values(before.probeCommands).reduce((a, b) => a + b, 0);
  return {
    calls,
    commands: Object.values(calls).reduce((a, b) => a + b, 0),
    reads: after.reads - before.reads - (after.probeReads - before.probeReads),
    ownCommands,
  };
}

/** PostgreSQL counters of Herald's database now, and the WAL's. */
export async function pgSnapshot(monitor) {
  const { rows } = await monitor.query(
    `SELECT d.xact_commit::bigint AS commits, d.xact_rollback::bigint AS rollbacks,
            d.tup_inserted::bigint AS inserted, d.tup_updated::bigint AS updated,
            w.wal_records::bigint AS wal_records, w.wal_bytes::bigint AS wal_bytes, w.wal_fpi::bigint AS wal_fpi,
            w.wal_write::bigint AS wal_writes, w.wal_sync::bigint AS wal_syncs,
            (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)::bigint AS checkpoints,
            (SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements s
              WHERE s.dbid = d.datid) AS statements
       FROM pg_stat_database d, pg_stat_wal w
      WHERE d.datname = 'herald'`,
  );
  return Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
}

export function pgDelta(before, after) {
  return Object.fromEntries(Object.keys(after).map((key) => [key, after[key] - before[key]]));
}

/** The statements of Herald's database that took the most server time since the reset. */
export async function topStatements(monitor, limit = 15) {
  const { rows } = await monitor.query(
    `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls::bigint, total_exec_time,
            mean_exec_time, rows::bigint
       FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'herald')
      ORDER BY total_exec_time DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    query: r.query.length > 160 ? `${r.query.slice(0, 157)}...` : r.query,
    calls: Number(r.calls),
    totalMs: Math.round(r.total_exec_time),
    meanMs: Math.round(r.mean_exec_time * 100) / 100,
    rowsPerCall: Math.round((Number(r.rows) / Math.max(1, Number(r.calls))) * 10) / 10,
  }));
}

/**
 * Samples pg_stat_activity every `intervalMs`: which Herald connections are busy in the
 * server, and on what (CPU, a lock, a WAL flush). Counts are samples, so shares of time.
 */
export function sampleActivity(monitor, intervalMs = 200) {
  const byWait = {};
  const byApp = {};
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await monitor.query(
        `SELECT application_name AS app, coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait
           FROM pg_stat_activity
          WHERE datname = 'herald' AND state <> 'idle' AND application_name LIKE 'herald%'
            AND pid <> pg_backend_pid()`,
      );
      samples += 1;
      for (const row of rows) {
        byWait[row.wait] = (byWait[row.wait] ?? 0) + 1;
        byApp[row.app] = (byApp[row.app] ?? 0) + 1;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const share = (counts) =>
        Object.fromEntries(
          Object.entries(counts)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => [k, Math.round((v / Math.max(1, samples)) * 100) / 100]),
        );
      // Average number of Herald connections busy in each wait state / per service.
      return { samples, busyByWait: share(byWait), busyByService: share(byApp) };
    },
  };
}

/** Memory as the process itself reports it (prom-client's default series), in MB. */
export async function scrapeMemory(opsUrl) {
  const text = await fetch(`${opsUrl}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const mb = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line ? Math.round(Number(line.split(' ').at(-1)) / 1e5) / 10 : null;
  };
  return {
    heapUsedMb: mb('herald_nodejs_heap_size_used_bytes'),
    heapTotalMb: mb('herald_nodejs_heap_size_total_bytes'),
    externalMb: mb('herald_nodejs_external_memory_bytes'),
    rssMb: mb('herald_process_resident_memory_bytes'),
  };
}

/** Reads a stage process's Prometheus text and keeps the stage series the bench reports. */
export async function scrapeStage(opsUrl) {
  const text = await fetch(`${opsUrl}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const value = (pattern) => {
    let sum = 0;
    for (const line of text.split('\n'))
      if (pattern.test(line)) sum += Number(line.split(' ').at(-1));
    return sum;
  };
  return {
    done: value(/^herald_stage_alerts_total\{.*outcome="(done|suppressed)"/),
    retried: value(/^herald_stage_alerts_total\{.*outcome="retry"/),
    batches: value(/^herald_stage_batch_duration_seconds_count/),
    batchSeconds: value(/^herald_stage_batch_duration_seconds_sum/),
    swept: value(/^herald_stage_swept_total/),
  };
}

export { STAGE_SERVICES };
