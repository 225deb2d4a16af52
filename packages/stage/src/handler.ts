import type pg from 'pg';
import type { AttemptResult, ClaimedAlert } from '@herald/db';
import type { Logger } from '@herald/runtime';

export interface StageContext {
  logger: Logger;
  /** Aborted when the worker is stopping: long calls should give up and report retry. */
  signal: AbortSignal;
}

/** What one stage app does with the alerts its worker claimed. */
export interface StageHandler {
  /**
   * Works on a batch of claimed alerts and returns one result per alert (any order).
   * An alert with no result is retried. It must not change alert state itself: the
   * worker commits the results, so a crash before the commit leaves nothing half done.
   */
  process(alerts: readonly ClaimedAlert[], context: StageContext): Promise<AttemptResult[]>;
  /**
   * Writes that must commit together with the results (a stage's own tables), called in
   * the commit's transaction with only the `done` results this replica still held.
   */
  persist?(client: pg.PoolClient, done: readonly Extract<AttemptResult, { kind: 'done' }>[]): Promise<void>;
  /** Releases what the handler holds (connections, breakers' timers). */
  close?(): Promise<void>;
}
