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
  persist?(
    client: pg.PoolClient,
    done: readonly Extract<AttemptResult, { kind: 'done' }>[],
  ): Promise<void>;
  /**
   * Works each batch inside one transaction: its alerts are row-locked instead of claimed,
   * and their results, history and `persist` commit together, so each alert row is written
   * once per stage instead of twice and the batch waits for one WAL flush instead of two.
   * The locks (and a pooled connection) are held while `process` runs, so set it only on a
   * handler that makes no call that can hang outside Herald's own PostgreSQL and Redis (no
   * Wazuh API, LLM, SMTP or webhook): the formatter, the analyzer without a language model,
   * the enricher without the Wazuh API. `handlerTimeoutMs` still bounds how long the locks
   * are held. `process` must not lock the batch's alert rows from another connection.
   * Entries delivered more than once are claimed first all the same (see batch.ts).
   */
  claimsInCommit?: boolean;
  /** Releases what the handler holds (connections, breakers' timers). */
  close?(): Promise<void>;
}
