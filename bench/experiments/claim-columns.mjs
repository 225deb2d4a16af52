// The stage claim as it is (RETURNING body, enrichment, analysis to every stage) against
// returning only what a stage reads. Each round moves 100 stored alerts back to
// `formatted` in a transaction, claims them for `sending`, and rolls back.
// node bench/experiments/claim-columns.mjs <kept bench folder>/postgres
import { openKeptDatabase } from './kept-db.mjs';

const db = await openKeptDatabase(process.argv[2]);
const { client } = db;
const ids = (await client.query('SELECT id FROM alerts ORDER BY random() LIMIT 2000')).rows.map(
  (r) => r.id,
);
const claim = (returning) => `WITH candidates AS (
    SELECT id, state AS from_state FROM alerts
     WHERE id = ANY($1::uuid[]) AND (state = $2 OR (state = $3 AND claim_expires_at < now()))
     FOR UPDATE SKIP LOCKED),
  claimed AS (
    UPDATE alerts a SET state = $3, claimed_by = $4,
           claim_expires_at = now() + make_interval(secs => 60),
           attempt = CASE WHEN c.from_state = $2 THEN 1 ELSE a.attempt + 1 END,
           state_changed_at = now()
      FROM candidates c WHERE a.id = c.id
    RETURNING ${returning}),
  history AS (
    INSERT INTO alert_transitions (alert_id, from_state, to_state, service, replica, attempt)
    SELECT id, from_state, $3, 'experiment', $4, attempt FROM claimed)
  SELECT * FROM claimed`;
const variants = {
  'RETURNING body, enrichment, analysis (as now)':
    'a.id, c.from_state, a.attempt, a.retries, a.body, a.enrichment, a.analysis',
  'RETURNING body only (what the enricher reads)':
    'a.id, c.from_state, a.attempt, a.retries, a.body',
  'RETURNING no JSON (what the sender reads)': 'a.id, c.from_state, a.attempt, a.retries',
};
for (let pass = 0; pass < 2; pass += 1) {
  for (const [name, returning] of Object.entries(variants)) {
    let total = 0;
    for (let round = 0; round < 20; round += 1) {
      const batch = ids.slice(round * 100, round * 100 + 100);
      await client.query('BEGIN');
      await client.query("UPDATE alerts SET state = 'formatted' WHERE id = ANY($1::uuid[])", [
        batch,
      ]);
      const started = performance.now();
      await client.query(claim(returning), [batch, 'formatted', 'sending', 'experiment']);
      total += performance.now() - started;
      await client.query('ROLLBACK');
    }
    console.log(`${name}: ${(total / 20).toFixed(2)} ms per claim of 100 (as the client sees it)`);
  }
}
await db.close();
