import { pruneExpired, type Database, type RetentionPolicy } from '@herald/db';
import type { Logger } from '@herald/runtime';

export interface RetentionSchedule {
  pool: Database['pool'];
  policy: RetentionPolicy;
  /** Pause between prunes; the first runs one interval after start. */
  intervalMs: number;
  logger: Logger;
  /** Told after each prune, for tests and metrics. */
  onPrune?: (result: { alerts: number; silences: number }) => void;
}

/**
 * Prunes what the retention policy no longer keeps, every `intervalMs`, one prune at a time,
 * so the tables stay bounded however long Herald runs. A failed prune (the database away)
 * is logged and tried again at the next interval. Returns a stop that waits for a prune in
 * progress.
 */
export function startRetention(schedule: RetentionSchedule): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const prune = async () => {
    try {
      const result = await pruneExpired(schedule.pool, schedule.policy);
      if (result.alerts > 0 || result.silences > 0) {
        schedule.logger.info(result, 'retention pruned expired rows');
      }
      schedule.onPrune?.(result);
    } catch (err) {
      schedule.logger.warn({ err }, 'retention prune failed; trying again next interval');
    }
  };

  const plan = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = prune().finally(plan);
    }, schedule.intervalMs);
    timer.unref();
  };
  plan();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
