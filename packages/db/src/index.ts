export { isAlertId } from './alert-id.ts';
export { newId } from './ids.ts';
export { createDatabase, type Database, type DatabaseOptions } from './client.ts';
export {
  applyMigrations,
  assertMigrationsCurrent,
  pendingMigrations,
  readMigrations,
  MigrationError,
  MIGRATIONS_DIR,
} from './migrate.ts';
export * from './states.ts';
export { getAlertView, insertAlerts, type Actor, type AlertView, type NewAlert, type StoredAlertRef } from './alerts.ts';
export {
  claimAlerts,
  commitAttempts,
  failAlerts,
  inTransaction,
  renewClaims,
  sweepStranded,
  type AttemptResult,
  type ClaimedAlert,
} from './transitions.ts';
export { commitLockedAttempts, lockAlerts } from './locked-transitions.ts';
export * from './retry.ts';
export {
  activeSilences,
  createSilence,
  expireSilence,
  listSilences,
  type NewSilence,
  type SilenceRow,
  type StoredMatcher,
} from './silences.ts';
export { pruneExpired, type PruneResult, type RetentionPolicy } from './retention.ts';
