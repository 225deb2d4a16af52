/** The timings and limits of one stage worker; every wait is here so tests can shrink it. */
export interface StageSettings {
  /** Entries read (and alerts claimed) at once. */
  batchSize: number;
  /** How long one read waits for new entries. */
  blockMs: number;
  /** When a read brings less than half a batch, how long to wait once for more (0: never). */
  readLingerMs?: number;
  /** How long a worker holds a claim on an alert before another replica may take it. */
  claimTimeoutMs: number;
  /** Longest a handler may work on one batch; its claims are renewed until then. */
  handlerTimeoutMs: number;
  /** How long a delivered, unacknowledged entry sits before another consumer reclaims it. */
  reclaimIdleMs: number;
  reclaimIntervalMs: number;
  /**
   * Deliveries of one entry before its alert is moved to `error` and the entry
   * dead-lettered: the guard against a handler that never answers (it crashes the process
   * or hangs), which no attempt count sees.
   */
  maxDeliveries: number;
  /** Attempts at this stage, the first included, before a failing alert goes to `error`. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt, with jitter, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often the sweeper looks for stranded alerts and trims the stream. */
  sweepIntervalMs: number;
  /** How long an alert may sit in an input state (or behind an expired claim) before the sweeper republishes it. */
  handoffGraceMs: number;
  /** Alerts republished per sweep at most. */
  sweepLimit: number;
}

/** The worker settings every stage app reads from its environment (runtime's workerEnvShape). */
export interface StageEnv {
  HERALD_BATCH_SIZE: number;
  HERALD_BLOCK_MS: number;
  HERALD_READ_LINGER_MS?: number;
  HERALD_CLAIM_TIMEOUT_MS: number;
  HERALD_HANDLER_TIMEOUT_MS: number;
  HERALD_RECLAIM_IDLE_MS: number;
  HERALD_RECLAIM_INTERVAL_MS: number;
  HERALD_MAX_DELIVERIES: number;
  HERALD_MAX_ATTEMPTS: number;
  HERALD_RETRY_BASE_MS: number;
  HERALD_RETRY_MAX_MS: number;
  HERALD_SWEEP_INTERVAL_MS: number;
  HERALD_HANDOFF_GRACE_MS: number;
}

export function stageSettingsFromEnv(env: StageEnv): StageSettings {
  return {
    batchSize: env.HERALD_BATCH_SIZE,
    blockMs: env.HERALD_BLOCK_MS,
    ...(env.HERALD_READ_LINGER_MS !== undefined ? { readLingerMs: env.HERALD_READ_LINGER_MS } : {}),
    claimTimeoutMs: env.HERALD_CLAIM_TIMEOUT_MS,
    handlerTimeoutMs: env.HERALD_HANDLER_TIMEOUT_MS,
    reclaimIdleMs: env.HERALD_RECLAIM_IDLE_MS,
    reclaimIntervalMs: env.HERALD_RECLAIM_INTERVAL_MS,
    maxDeliveries: env.HERALD_MAX_DELIVERIES,
    maxAttempts: env.HERALD_MAX_ATTEMPTS,
    retryBaseMs: env.HERALD_RETRY_BASE_MS,
    retryMaxMs: env.HERALD_RETRY_MAX_MS,
    sweepIntervalMs: env.HERALD_SWEEP_INTERVAL_MS,
    handoffGraceMs: env.HERALD_HANDOFF_GRACE_MS,
    sweepLimit: 1_000,
  };
}
