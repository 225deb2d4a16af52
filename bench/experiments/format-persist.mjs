// The formatter's work per alert, and what storing and reading back its messages costs
// PostgreSQL. 10,000 corpus-derived alerts (bench/lib/alerts.mjs), enriched and analysed
// by the real enricher and analyzer code, formatted by the real handler for one email
// receiver (the bench's out-of-the-box configuration). Then each way of storing
// `deliveries.rendered` inserts the same messages, 100 alerts per transaction as the stage
// commits them, and the sender's read (loadDeliveries) reads them back, 100 alerts a query.
// Prints CPU ms per alert: the formatter process's (process.cpuUsage) and the PostgreSQL
// backend's (utime + stime of pg_backend_pid() in /proc). Bounded: a fresh cluster in a
// temporary folder, removed at the end, and at most --alerts alerts (default 10000).
// node bench/experiments/format-persist.mjs [--alerts 10000] [--only <variant name part>]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startPostgres } from '../../scripts/local-services.mjs';
import { ensureServerBinaries, repoRoot } from '../../scripts/toolchain.mjs';
import { loadPg } from '../lib/deps.mjs';
import { batchesOf, claimedAlerts, createFormatHandlerFor } from './format-input.mjs';

const { values: args } = parseArgs({
  options: { alerts: { type: 'string', default: '10000' }, only: { type: 'string' } },
});
const ALERTS = Math.min(Number(args.alerts), 10_000);
const BATCH = 100;

const { insertPendingDeliveries } = await import(
  join(repoRoot, 'apps/formatter/src/pending-deliveries.ts')
);
const { newId } = await import(join(repoRoot, 'packages/db/src/index.ts'));

const dataDir = mkdtempSync(join(tmpdir(), 'herald-format-persist-'));
const server = await startPostgres({
  binaries: ensureServerBinaries(),
  dataDir,
  port: await freePort(),
  database: 'herald',
});
const pg = loadPg();
const client = new pg.Client({ connectionString: server.url });

/** CPU ms of this process so far. */
const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
let backendPid;
/** CPU ms of the connection's backend so far (clock ticks of 10 ms, so sum over many batches). */
const backendCpuMs = () => {
  const stat = readFileSync(`/proc/${backendPid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const perAlert = (ms) => (ms / ALERTS).toFixed(3);

try {
  const migrate = spawnSync(process.execPath, ['packages/db/src/cli.ts', 'migrate'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: server.url },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
  await client.connect();
  backendPid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;

  const claimed = claimedAlerts(ALERTS);
  for (let b = 0; b < ALERTS; b += 1000) {
    const batch = claimed.slice(b, b + 1000);
    await client.query(
      `INSERT INTO alerts (id, identity_key, body, enrichment, analysis, state)
       SELECT id, id::text, body, enrichment, analysis, 'formatting'
         FROM unnest($1::uuid[], $2::jsonb[], $3::jsonb[], $4::jsonb[])
           AS a(id, body, enrichment, analysis)`,
      [
        batch.map((a) => a.id),
        batch.map((a) => JSON.stringify(a.body)),
        batch.map((a) => JSON.stringify(a.enrichment)),
        batch.map((a) => JSON.stringify(a.analysis)),
      ],
    );
  }

  const handler = createFormatHandlerFor();
  const batches = batchesOf(claimed, BATCH);

  // Formatting: twice, the first pass warming the JIT; the second is reported.
  let results = [];
  let formatMs = 0;
  for (let pass = 0; pass < 2; pass += 1) {
    results = [];
    const cpu = ownCpuMs();
    for (const batch of batches) results.push(await handler.process(batch));
    formatMs = ownCpuMs() - cpu;
  }
  console.log(`format (handler.process): ${perAlert(formatMs)} ms CPU per alert`);

  const rowsOf = (done) =>
    done.flatMap((result) =>
      result.deliveries.map((d) => ({
        id: newId(),
        alertId: result.id,
        receiver: d.receiver,
        channel: d.channel,
        messageKey: `<${result.id}.${d.receiver}@herald>`,
        rendered: d.rendered,
      })),
    );
  const columns = (rows) => [
    rows.map((row) => row.id),
    rows.map((row) => row.alertId),
    rows.map((row) => row.receiver),
    rows.map((row) => row.channel),
    rows.map((row) => row.messageKey),
  ];
  const INSERT = 'INSERT INTO deliveries (id, alert_id, receiver, channel, message_key, rendered)';
  const CONFLICT = 'ON CONFLICT (alert_id, receiver) DO NOTHING';
  // How the rows reach PostgreSQL.
  const unnestArray = (type) => (rows) =>
    client.query(
      `${INSERT} SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::${type}[]) ${CONFLICT}`,
      [...columns(rows), rows.map((row) => JSON.stringify(row.rendered))],
    );
  const oneDocument = (type, name) => (rows) =>
    client.query({
      name,
      text: `${INSERT} SELECT r.id, r.alert_id, r.receiver, r.channel, r.message_key, m.rendered::${type}
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[])
                WITH ORDINALITY AS r(id, alert_id, receiver, channel, message_key, n)
         JOIN json_array_elements($6::json) WITH ORDINALITY AS m(rendered, n) USING (n)
       ${CONFLICT}`,
      values: [...columns(rows), JSON.stringify(rows.map((row) => row.rendered))],
    });
  const valuesList = (type) => (rows) => {
    const params = [];
    const tuples = rows.map((row) => {
      const at = params.length;
      params.push(
        row.id,
        row.alertId,
        row.receiver,
        row.channel,
        row.messageKey,
        JSON.stringify(row.rendered),
      );
      return `($${at + 1}::uuid, $${at + 2}::uuid, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6}::${type})`;
    });
    return client.query(`${INSERT} VALUES ${tuples.join(', ')} ${CONFLICT}`, params);
  };
  const variants = [
    { name: 'jsonb, unnest jsonb[] (before)', type: 'jsonb', insert: unnestArray('jsonb') },
    { name: 'json, unnest json[]', type: 'json', insert: unnestArray('json') },
    { name: 'json, one json document', type: 'json', insert: oneDocument('json') },
    { name: 'json, VALUES list', type: 'json', insert: valuesList('json') },
    {
      name: 'json lz4, unnest json[]',
      type: 'json',
      compression: 'lz4',
      insert: unnestArray('json'),
    },
    {
      name: 'json lz4, one json document',
      type: 'json',
      compression: 'lz4',
      insert: oneDocument('json'),
    },
    {
      name: 'json lz4, one document, prepared',
      type: 'json',
      compression: 'lz4',
      insert: oneDocument('json', 'experiment-one-document'),
    },
    { name: 'json lz4, VALUES list', type: 'json', compression: 'lz4', insert: valuesList('json') },
    {
      name: 'json lz4, insertPendingDeliveries',
      type: 'json',
      compression: 'lz4',
      insert: (rows) => insertPendingDeliveries(client, rows),
    },
    { name: 'text lz4, VALUES list', type: 'text', compression: 'lz4', insert: valuesList('text') },
  ].filter((variant) => !args.only || variant.name.includes(args.only));

  const ids = batches.map((batch) => batch.map((a) => a.id));
  for (let pass = 0; pass < 2; pass += 1) {
    console.log(`pass ${pass + 1} (backend and client CPU ms per alert)`);
    for (const variant of variants) {
      await client.query('TRUNCATE deliveries');
      await client.query(
        `ALTER TABLE deliveries ALTER COLUMN rendered TYPE ${variant.type} USING rendered::${variant.type},
                               ALTER COLUMN rendered SET COMPRESSION ${variant.compression ?? 'pglz'}`,
      );
      await client.query('CHECKPOINT');
      let backend = backendCpuMs();
      let own = ownCpuMs();
      for (const done of results) {
        await client.query('BEGIN');
        await variant.insert(rowsOf(done));
        await client.query('COMMIT');
      }
      const insertBackend = backendCpuMs() - backend;
      const insertOwn = ownCpuMs() - own;

      backend = backendCpuMs();
      own = ownCpuMs();
      let read = 0;
      for (const batch of ids) {
        const { rows } = await client.query(
          `SELECT id, alert_id AS "alertId", receiver, channel, status, attempts,
                  message_key AS "messageKey", rendered, last_error AS "lastError"
             FROM deliveries WHERE alert_id = ANY($1::uuid[]) ORDER BY receiver`,
          [batch],
        );
        // What the sender does with it: an object (a text column leaves the parse to it).
        for (const row of rows) {
          const message =
            typeof row.rendered === 'string' ? JSON.parse(row.rendered) : row.rendered;
          read += message.subject.length > 0 ? 1 : 0;
        }
      }
      if (read !== ALERTS) throw new Error(`read ${read} messages, expected ${ALERTS}`);
      const readBackend = backendCpuMs() - backend;
      const readOwn = ownCpuMs() - own;
      const size = (
        await client.query(
          `SELECT avg(pg_column_size(rendered))::int AS stored, avg(octet_length(rendered::text))::int AS text,
                  pg_total_relation_size('deliveries') AS total FROM deliveries`,
        )
      ).rows[0];
      console.log(
        `  ${variant.name.padEnd(34)} insert: backend ${perAlert(insertBackend)}, client ${perAlert(insertOwn)}` +
          ` | read: backend ${perAlert(readBackend)}, client ${perAlert(readOwn)}` +
          ` | stored ${size.stored} B of ${size.text} B text, table ${(size.total / ALERTS / 1024).toFixed(1)} KiB per alert`,
      );
    }
  }
} finally {
  await client.end().catch(() => {});
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
