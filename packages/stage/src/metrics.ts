import { Counter, Gauge, Histogram, type Registry } from '@herald/runtime';

/** The Prometheus series of a stage worker. */
export interface StageMetrics {
  alerts: Counter<'stage' | 'outcome'>;
  batchSeconds: Histogram<'stage'>;
  swept: Counter<'stage'>;
  lastReadAge: Gauge<'stage'>;
}

export function createStageMetrics(registry: Registry, lastReadAt: () => number | undefined, stage: string): StageMetrics {
  return {
    alerts: new Counter({
      name: 'herald_stage_alerts_total',
      help: 'Alerts a stage finished an attempt on, by outcome',
      labelNames: ['stage', 'outcome'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'herald_stage_batch_duration_seconds',
      help: 'Time to handle one batch, from read to acknowledgement',
      labelNames: ['stage'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    swept: new Counter({
      name: 'herald_stage_swept_total',
      help: 'Alerts the sweeper republished because they sat unhandled too long',
      labelNames: ['stage'],
      registers: [registry],
    }),
    lastReadAge: new Gauge({
      name: 'herald_stage_last_read_age_seconds',
      help: 'Seconds since this consumer last read or claimed from its stream',
      labelNames: ['stage'],
      registers: [registry],
      collect() {
        const at = lastReadAt();
        this.set({ stage }, at === undefined ? Number.NaN : (Date.now() - at) / 1000);
      },
    }),
  };
}
