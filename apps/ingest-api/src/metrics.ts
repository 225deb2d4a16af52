import { Counter, Gauge, Histogram, type Registry } from '@herald/runtime';

/** The series ingest-api exports besides the process metrics. */
export interface IngestMetrics {
  /** Alerts by what became of them: accepted (new), duplicate (stored before), rejected. */
  alerts: Counter<'outcome'>;
  /** POST /v1/alerts requests by HTTP status. */
  requests: Counter<'status'>;
  /** Time from a POST /v1/alerts arriving to its answer, by HTTP status. */
  requestDuration: Histogram<'status'>;
  /**
   * Alerts stored (or retried) but not handed to the enrich stream; the enricher's sweeper
   * picks them up.
   */
  publishFailures: Counter;
  /** POST /v1/alerts requests refused with 503 because the pipeline was too far behind. */
  backpressureRefusals: Counter;
  /** Posts refused because the bodies in flight were at HERALD_MAX_BODY_BYTES_IN_FLIGHT. */
  bodyBudgetRefusals: Counter;
  /**
   * The lags of every stage's group, summed, at the last reading (entries not yet delivered
   * to a worker).
   */
  pipelineLag: Gauge;
  /** Alerts per database write: how many concurrent requests' alerts shared one commit. */
  writeGroupAlerts: Histogram;
}

/** Registers ingest-api's metrics on `registry` (one registry per app instance). */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  return {
    alerts: new Counter({
      name: 'herald_ingest_alerts_total',
      help: 'Alerts received, by outcome: accepted (stored now), duplicate (stored before), rejected.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    requests: new Counter({
      name: 'herald_ingest_requests_total',
      help: 'POST /v1/alerts requests, by HTTP status.',
      labelNames: ['status'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'herald_ingest_request_duration_seconds',
      help: 'Time to answer a POST /v1/alerts request, by HTTP status.',
      labelNames: ['status'],
      // From one alert on a warm pool to a 5,000-alert batch on a busy database.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    publishFailures: new Counter({
      name: 'herald_ingest_publish_failed_alerts_total',
      help: 'Alerts stored or retried but not published to the enrich stream (the sweeper republishes them).',
      registers: [registry],
    }),
    backpressureRefusals: new Counter({
      name: 'herald_ingest_backpressure_total',
      help: 'POST /v1/alerts requests refused (503) because the stages together lagged beyond HERALD_MAX_PIPELINE_LAG.',
      registers: [registry],
    }),
    bodyBudgetRefusals: new Counter({
      name: 'herald_ingest_body_budget_refusals_total',
      help: 'POST /v1/alerts requests refused (503) because the bodies in flight were at HERALD_MAX_BODY_BYTES_IN_FLIGHT.',
      registers: [registry],
    }),
    pipelineLag: new Gauge({
      name: 'herald_ingest_pipeline_lag',
      help: 'Entries of the enrich, analyze, format and send streams not yet delivered to their consumer groups, summed, at the last reading.',
      registers: [registry],
    }),
    writeGroupAlerts: new Histogram({
      name: 'herald_ingest_write_alerts',
      help: 'Alerts stored per database write (the alerts of every request that queued behind earlier writes).',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
      registers: [registry],
    }),
  };
}
