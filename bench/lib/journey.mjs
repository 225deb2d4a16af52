// What the state history in PostgreSQL says about a run: how many alerts reached each
// state, how fast they were delivered, and where each alert's time went between POST
// (its `new` row) and `sent`. History rows carry the transaction's start time, to the ms.

const HOPS = [
  ['new', 'enriching', 'wait for enricher'],
  ['enriching', 'enriched', 'enrich'],
  ['enriched', 'analyzing', 'wait for analyzer'],
  ['analyzing', 'analyzed', 'analyze'],
  ['analyzed', 'formatting', 'wait for formatter'],
  ['formatting', 'formatted', 'format'],
  ['formatted', 'sending', 'wait for sender'],
  ['sending', 'sent', 'send'],
  ['new', 'sent', 'POST to sent'],
];

const ms = (value) => (value === null ? null : Math.round(Number(value)));

/** Delivery rates, state counts and latency percentiles from the history of this run. */
export async function journeyFigures(client, since, loadStartedAt, loadEndedAt) {
  const sinceDate = new Date(since);
  const states = Object.fromEntries(
    (
      await client.query(
        'SELECT state, count(*)::int AS n FROM alerts WHERE received_at >= $1 GROUP BY state',
        [sinceDate],
      )
    ).rows.map((r) => [r.state, r.n]),
  );
  const moves = Object.fromEntries(
    (
      await client.query(
        'SELECT to_state, count(*)::int AS n FROM alert_transitions WHERE at >= $1 GROUP BY to_state',
        [sinceDate],
      )
    ).rows.map((r) => [r.to_state, r.n]),
  );
  const window = (
    await client.query(
      `SELECT count(*) FILTER (WHERE to_state = 'sent' AND at >= $1 AND at < $2)::int AS sent_in_load,
              count(*) FILTER (WHERE to_state = 'sent' AND at >= $3 AND at < $2)::int AS sent_steady,
              count(*) FILTER (WHERE to_state = 'sent' AND at >= $2)::int AS sent_after_load,
              min(at) FILTER (WHERE to_state = 'new') AS first_new,
              max(at) FILTER (WHERE to_state = 'sent') AS last_sent
         FROM alert_transitions WHERE at >= $4`,
      [
        new Date(loadStartedAt),
        new Date(loadEndedAt),
        new Date(Math.min(loadStartedAt + 10_000, loadEndedAt)),
        sinceDate,
      ],
    )
  ).rows[0];

  const firsts = HOPS.flatMap(([from, to]) => [from, to])
    .filter((state, i, all) => all.indexOf(state) === i)
    .map(
      (state) =>
        `${state === 'sent' ? 'max' : 'min'}(at) FILTER (WHERE to_state = '${state}') AS "${state}"`,
    );
  const hopColumns = HOPS.map(
    ([from, to], i) =>
      `percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM "${to}" - "${from}") * 1000) AS h${i},
       max(extract(epoch FROM "${to}" - "${from}") * 1000) AS m${i}`,
  );
  const row = (
    await client.query(
      `WITH t AS (SELECT alert_id, ${firsts.join(', ')} FROM alert_transitions WHERE at >= $1 GROUP BY alert_id)
       SELECT ${hopColumns.join(', ')} FROM t WHERE sent IS NOT NULL`,
      [sinceDate],
    )
  ).rows[0];
  const latency = HOPS.map(([from, to, label], i) => ({
    hop: label,
    from,
    to,
    p50: ms(row[`h${i}`]?.[0] ?? null),
    p95: ms(row[`h${i}`]?.[1] ?? null),
    p99: ms(row[`h${i}`]?.[2] ?? null),
    max: ms(row[`m${i}`]),
  }));

  // What one alert costs on disk: average stored sizes of its big values (compressed, as
  // stored) and the tables with their indexes and TOAST, over every alert in them.
  const sizes = (
    await client.query(
      `SELECT (SELECT count(*) FROM alerts)::int AS alerts,
              (SELECT avg(pg_column_size(body)) FROM alerts WHERE received_at >= $1) AS body,
              (SELECT avg(pg_column_size(enrichment)) FROM alerts WHERE received_at >= $1) AS enrichment,
              (SELECT avg(pg_column_size(analysis)) FROM alerts WHERE received_at >= $1) AS analysis,
              (SELECT avg(pg_column_size(rendered)) FROM deliveries WHERE created_at >= $1) AS rendered,
              pg_total_relation_size('alerts') AS alerts_table,
              pg_total_relation_size('alert_transitions') AS transitions_table,
              pg_total_relation_size('deliveries') AS deliveries_table`,
      [sinceDate],
    )
  ).rows[0];
  const perStored = (bytes) => (sizes.alerts ? Math.round(Number(bytes) / sizes.alerts) : null);
  const storage = {
    storedAlerts: sizes.alerts,
    avgBytes: {
      body: Math.round(Number(sizes.body ?? 0)),
      enrichment: Math.round(Number(sizes.enrichment ?? 0)),
      analysis: Math.round(Number(sizes.analysis ?? 0)),
      rendered: Math.round(Number(sizes.rendered ?? 0)),
    },
    tableBytesPerAlert: {
      alerts: perStored(sizes.alerts_table),
      alert_transitions: perStored(sizes.transitions_table),
      deliveries: perStored(sizes.deliveries_table),
    },
  };

  const loadSeconds = (loadEndedAt - loadStartedAt) / 1000;
  const steadySeconds = Math.max(
    0.001,
    (loadEndedAt - Math.min(loadStartedAt + 10_000, loadEndedAt)) / 1000,
  );
  const spanSeconds =
    window.first_new && window.last_sent
      ? (window.last_sent.getTime() - window.first_new.getTime()) / 1000
      : null;
  const sent = moves.sent ?? 0;
  return {
    states,
    moves,
    // Stage steps done (ingest, enrich, analyze, format, send) over 5: alerts' worth of work.
    alertEquivalents:
      ((moves.new ?? 0) +
        (moves.enriched ?? 0) +
        (moves.analyzed ?? 0) +
        (moves.suppressed ?? 0) +
        (moves.formatted ?? 0) +
        sent) /
      5,
    deliveredPerSecond: {
      duringLoad: Math.round(window.sent_in_load / loadSeconds),
      steady: steadySeconds >= 5 ? Math.round(window.sent_steady / steadySeconds) : null,
      endToEnd: spanSeconds ? Math.round(sent / spanSeconds) : null,
    },
    sentAfterLoad: window.sent_after_load,
    storage,
    latencyMs: latency,
  };
}
