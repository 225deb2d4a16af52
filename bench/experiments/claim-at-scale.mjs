// Why the stage claim slows down on a large alerts table: the plan PostgreSQL picks for it,
// with the statistics the table has, and what it reads. Takes the 100 newest alerts, moves
// them back to `new` in a transaction, explains the claim's candidate lookup as the stages
// run it (a custom plan for these ids), and rolls back.
// node bench/experiments/claim-at-scale.mjs <kept bench folder>/postgres
import { openKeptDatabase } from './kept-db.mjs';

const db = await openKeptDatabase(process.argv[2]);
const { client } = db;
const stats = await client.query(
  `SELECT most_common_vals::text AS vals, most_common_freqs::text AS freqs
     FROM pg_stats WHERE tablename = 'alerts' AND attname = 'state'`,
);
const counts = await client.query(
  `SELECT (SELECT count(*) FROM alerts) AS rows, n_live_tup, n_mod_since_analyze, last_analyze, last_autoanalyze
     FROM pg_stat_user_tables WHERE relname = 'alerts'`,
);
console.log('state statistics:', stats.rows[0], counts.rows[0]);
const ids = (
  await client.query('SELECT id FROM alerts ORDER BY received_at DESC LIMIT 100')
).rows.map((r) => r.id);
// As the claim was: PostgreSQL may serve `state = $2` from the state index, and with
// statistics taken while nothing waited it expects one row there. As it is: the state
// test is one CASE, which no index serves, so the ids lead.
const forms = {
  'state test the index can serve': `(state = $2 OR (state = $3 AND claim_expires_at < now()))`,
  'state test in a CASE': `CASE WHEN state = $2 THEN true WHEN state = $3 THEN claim_expires_at < now() ELSE false END`,
};
for (const [form, test] of Object.entries(forms)) {
  const candidates = `SELECT id, state FROM alerts WHERE id = ANY($1::uuid[]) AND ${test} FOR UPDATE SKIP LOCKED`;
  for (const backlog of [0, 10_000]) {
    await client.query('BEGIN');
    // A backlog of other alerts waiting in `new`, as during the bench's preload run.
    if (backlog > 0) {
      await client.query(
        `UPDATE alerts SET state = 'new' WHERE id IN (SELECT id FROM alerts ORDER BY received_at DESC LIMIT $1)`,
        [backlog],
      );
    } else {
      await client.query(`UPDATE alerts SET state = 'new' WHERE id = ANY($1::uuid[])`, [ids]);
    }
    const sql = candidates
      .replace('$1::uuid[]', `'{${ids.join(',')}}'::uuid[]`)
      .replaceAll('$2', `'new'`)
      .replaceAll('$3', `'enriching'`);
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`);
    const plan = rows.map((row) => row['QUERY PLAN']).filter((line) => !line.includes('Filter: ((id = ANY') && !line.includes("Index Cond: (id = ANY"));
    console.log(`\n-- ${form}, ${backlog || 100} alerts in new:`);
    for (const line of plan) console.log(line);
    await client.query('ROLLBACK');
  }
}
await db.close();
