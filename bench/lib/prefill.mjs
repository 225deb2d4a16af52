// Stored history before a run, to see whether throughput and latency stay flat as the
// tables grow: `count` finished alerts (state `sent`, nine history rows, one delivered
// message each), dated two days back so the run's figures never include them. Bodies are
// a real corpus alert; enrichment, analysis and the rendered message are filler of the
// size the stages write, since only the tables' and indexes' sizes matter here. Ids are
// time-ordered like those Herald gives (UUIDv7), older than any the run will give.
import { loadCorpus } from './alerts.mjs';

const STEPS = [
  [null, 'new'],
  ['new', 'enriching'],
  ['enriching', 'enriched'],
  ['enriched', 'analyzing'],
  ['analyzing', 'analyzed'],
  ['analyzed', 'formatting'],
  ['formatting', 'formatted'],
  ['formatted', 'sending'],
  ['sending', 'sent'],
];

export async function prefill(client, count, say, chunk = 50_000) {
  const body = JSON.stringify(loadCorpus()[0]);
  const filler = (bytes) => JSON.stringify({ filler: 'x'.repeat(bytes) });
  const steps = STEPS.map(([from, to]) => `(${from ? `'${from}'` : 'NULL'}, '${to}')`).join(', ');
  const started = Date.now();
  for (let first = 1; first <= count; first += chunk) {
    const last = Math.min(count, first + chunk - 1);
    await client.query(
      `WITH a AS (
         INSERT INTO alerts (id, identity_key, source_id, manager, rule_id, rule_level, agent_id, agent_name,
                             body, state, state_changed_at, received_at, enrichment, analysis)
         -- Time-ordered ids (UUIDv7: milliseconds, version 7, random), as Herald's own.
         SELECT encode(set_byte(overlay(uuid_send(gen_random_uuid())
                  placing substring(int8send((extract(epoch FROM now() - interval '2 days') * 1000)::bigint + g) FROM 3)
                  FROM 1 FOR 6), 6, 112 + (g % 16)::int), 'hex')::uuid,
                'prefill:' || g, g::text, 'prefill', '5712', 10,
                lpad((g % 500)::text, 3, '0'), 'prefill-host', $1::jsonb, 'sent',
                now() - interval '2 days', now() - interval '2 days', $2::jsonb, $3::jsonb
           FROM generate_series($5::bigint, $6::bigint) g
         RETURNING id, received_at
       ),
       history AS (
         INSERT INTO alert_transitions (alert_id, from_state, to_state, at, service, replica, attempt)
         SELECT a.id, s.from_state, s.to_state, a.received_at, 'prefill', 'prefill', 1
           FROM a, (VALUES ${steps}) AS s(from_state, to_state)
       )
       INSERT INTO deliveries (id, alert_id, receiver, channel, message_key, rendered, status, attempts, delivered_at)
       SELECT gen_random_uuid(), a.id, 'default', 'email', 'prefill-' || a.id, $4::jsonb, 'delivered', 1, a.received_at
         FROM a`,
      [body, filler(600), filler(1500), filler(4000), first, last],
    );
    say(
      `prefill: ${last.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} alerts stored`,
    );
  }
  await client.query('VACUUM ANALYZE');
  await client.query('CHECKPOINT');
  say(`prefill: done in ${Math.round((Date.now() - started) / 1000)} s`);
}
