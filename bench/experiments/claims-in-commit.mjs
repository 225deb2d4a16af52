// A stage's database work per batch of 100 alerts, as a claiming stage does it (claimAlerts
// autocommitted, then commitAttempts in a transaction: two row versions and two WAL flushes
// per batch) against a stage with handler.claimsInCommit (lockAlerts, commitLockedAttempts,
// COMMIT: one of each). The enrich stage's statements, every alert done with an enrichment,
// no handler work in between. Batches of the two modes alternate, each on its own
// connection, so checkpoints and autovacuum fall on both alike. Per mode: the backend's CPU
// (/proc/<pg_backend_pid()>/stat) and wall ms per batch, WAL bytes per alert
// (pg_current_wal_lsn()). A throwaway PostgreSQL in a temporary folder, fsync on (as in
// production), stopped at the end; the run stops itself after 50 s of batches.
// node bench/experiments/claims-in-commit.mjs [alerts per mode, default 10000]
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startPostgres } from '../../scripts/local-services.mjs';
import { ensureServerBinaries, repoRoot } from '../../scripts/toolchain.mjs';
import { loadCorpus } from '../lib/alerts.mjs';
import { loadPg } from '../lib/deps.mjs';

const { STAGES } = await import('../../packages/db/src/states.ts');
const { claimAlerts, commitAttempts, inTransaction } =
  await import('../../packages/db/src/transitions.ts');
const { lockAlerts, commitLockedAttempts } =
  await import('../../packages/db/src/locked-transitions.ts');

const perMode = Number(process.argv[2] ?? 10_000);
const batchSize = 100;
const budgetMs = 50_000;
const stage = STAGES.enrich;
const actor = { service: 'experiment', replica: 'e1' };
const enrichment = {
  kind: 'agent',
  agent: { id: '001', name: 'web-01', os: 'Ubuntu 24.04' },
  sources: ['alert'],
  missing: [],
};

const workDir = mkdtempSync(join(tmpdir(), 'herald-claims-in-commit-'));
// PostgreSQL runs as its own user when we are root, and must reach its folder inside.
chmodSync(workDir, 0o755);
const server = await startPostgres({
  binaries: ensureServerBinaries(),
  dataDir: join(workDir, 'postgres'),
  port: await freePort(),
  database: 'herald',
});
const pg = loadPg();
const pools = [];
try {
  const migrated = spawnSync(
    process.execPath,
    [join(repoRoot, 'packages/db/src/cli.ts'), 'migrate'],
    {
      env: { ...process.env, DATABASE_URL: server.url },
      encoding: 'utf8',
    },
  );
  if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);

  const admin = new pg.Pool({ connectionString: server.url, max: 1 });
  pools.push(admin);
  const bodies = loadCorpus().map((alert) => JSON.stringify(alert));
  const seed = async (tag) => {
    const ids = [];
    for (let from = 0; from < perMode; from += 1_000) {
      const n = Math.min(1_000, perMode - from);
      const { rows } = await admin.query(
        `INSERT INTO alerts (id, identity_key, body)
         SELECT gen_random_uuid(), $1 || ':' || i, b::jsonb
           FROM unnest($2::text[]) WITH ORDINALITY AS t(b, i)
         RETURNING id`,
        [`${tag}:${from}`, Array.from({ length: n }, (_, i) => bodies[(from + i) % bodies.length])],
      );
      ids.push(...rows.map((r) => r.id));
    }
    return ids;
  };
  const modes = {
    'claim, then commit (as now)': {
      ids: await seed('claims'),
      async batch(pool, ids) {
        const claimed = await claimAlerts(pool, stage, ids, actor, 60_000);
        const results = claimed.map((alert) => ({ kind: 'done', id: alert.id, enrichment }));
        await inTransaction(pool, (client) => commitAttempts(client, stage, results, actor));
        return claimed.length;
      },
    },
    'lock, work and commit in one transaction (claimsInCommit)': {
      ids: await seed('in-commit'),
      async batch(pool, ids) {
        return inTransaction(pool, async (client) => {
          const locked = await lockAlerts(client, stage, ids);
          const results = locked.map((alert) => ({ kind: 'done', id: alert.id, enrichment }));
          await commitLockedAttempts(client, stage, locked, results, actor);
          return locked.length;
        });
      },
    },
  };
  await admin.query('VACUUM ANALYZE alerts');
  await admin.query('CHECKPOINT');

  for (const mode of Object.values(modes)) {
    mode.pool = new pg.Pool({ connectionString: server.url, max: 1, idleTimeoutMillis: 0 });
    pools.push(mode.pool);
    const pid = (await mode.pool.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    mode.cpuSeconds = () => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    };
    Object.assign(mode, { cpu: 0, wallMs: 0, walBytes: 0, batches: 0, alerts: 0 });
  }

  const started = performance.now();
  for (let from = 0; from < perMode && performance.now() - started < budgetMs; from += batchSize) {
    for (const mode of Object.values(modes)) {
      const ids = mode.ids.slice(from, from + batchSize);
      const lsn = (await admin.query('SELECT pg_current_wal_lsn() AS lsn')).rows[0].lsn;
      const cpu = mode.cpuSeconds();
      const t0 = performance.now();
      mode.alerts += await mode.batch(mode.pool, ids);
      mode.wallMs += performance.now() - t0;
      mode.cpu += mode.cpuSeconds() - cpu;
      const wal = await admin.query(
        'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::float8 AS bytes',
        [lsn],
      );
      mode.walBytes += wal.rows[0].bytes;
      mode.batches += 1;
    }
  }
  for (const [name, mode] of Object.entries(modes)) {
    console.log(
      `${name}: ${mode.alerts} alerts in ${mode.batches} batches; backend CPU ` +
        `${((mode.cpu * 1000) / mode.batches).toFixed(2)} ms/batch ` +
        `(${((mode.cpu * 1000) / mode.alerts).toFixed(3)} ms/alert), wall ` +
        `${(mode.wallMs / mode.batches).toFixed(2)} ms/batch, WAL ${Math.round(mode.walBytes / mode.alerts)} bytes/alert`,
    );
  }
} finally {
  for (const pool of pools) await pool.end().catch(() => {});
  await server.stop();
  rmSync(workDir, { recursive: true, force: true });
}
