import { BreakerRegistry, type BreakerSettings } from '@herald/breaker';
import { Counter, Gauge, type Logger, type Registry } from '@herald/runtime';
import type { BreakerSync } from './breaker-sync.ts';

const STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * The process's circuit breakers, one per destination, with their state changes logged
 * once each and their calls and states exported as metrics. With a `sync`, their states are
 * published for every replica to see and operators' pauses apply to them (a stage app gets
 * such a registry from its HandlerContext's `breakers`).
 */
export function createBreakerRegistry(
  logger: Logger,
  metrics: Registry,
  defaults: Partial<Omit<BreakerSettings, 'name'>> = {},
  sync?: BreakerSync,
): BreakerRegistry {
  const calls = new Counter({
    name: 'herald_breaker_calls_total',
    help: 'Outbound calls through a circuit breaker, by destination and outcome',
    labelNames: ['breaker', 'outcome'],
    registers: [metrics],
  });
  const breakers: BreakerRegistry = new BreakerRegistry({
    defaults: {
      ...defaults,
      onStateChange: (event) => {
        const log = event.to === 'closed' ? logger.info.bind(logger) : logger.warn.bind(logger);
        log({ breaker: event.name, from: event.from, to: event.to, reason: event.reason }, 'breaker state changed');
        sync?.changed();
      },
      onCallResult: (event) => calls.inc({ breaker: event.name, outcome: event.outcome }),
    },
  });
  new Gauge({
    name: 'herald_breaker_state',
    help: 'Circuit breaker state by destination: 0 closed, 1 half-open, 2 open',
    labelNames: ['breaker'],
    registers: [metrics],
    collect() {
      for (const snapshot of breakers.snapshots()) {
        this.set({ breaker: snapshot.name }, STATE_VALUE[snapshot.state]);
      }
    },
  });
  sync?.track(breakers);
  return breakers;
}
