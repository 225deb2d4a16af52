import { z } from 'zod';

/**
 * A boolean from an environment variable: true/false, 1/0, yes/no, on/off. Anything else
 * is an error naming the value, not a silent `false`.
 */
export const BoolEnv = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

/** A duration in milliseconds, as a whole number. */
export const MsEnv = z.coerce.number().int().nonnegative();

/** A positive whole number. */
export const CountEnv = z.coerce.number().int().positive();

/** Raised when configuration is invalid; its message names every bad variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly isConfigError = true;
  readonly issues: readonly string[];
  constructor(issues: string[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return typeof err === 'object' && err !== null && 'isConfigError' in err;
}

// Values of these are never repeated in an error message: they go to logs and terminals.
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL/i;

/** How a bad value is shown in an error: secrets not at all, URLs without their userinfo. */
function describeValue(name: string, value: string): string | undefined {
  if (SECRET_NAME.test(name)) return undefined;
  try {
    const url = new URL(value);
    if (url.username || url.password) {
      url.username = url.username ? '***' : '';
      url.password = url.password ? '***' : '';
      return JSON.stringify(url.toString());
    }
  } catch {
    // not a URL: shown as it is
  }
  return JSON.stringify(value);
}

/**
 * Parses `source` with `schema` and returns the result frozen. Throws ConfigError naming
 * each variable that is wrong and what was wrong with it, and the value unless it is a
 * secret (credentials inside a URL are masked). Empty strings count as unset,
 * which is how shells and compose files pass "no value".
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: NodeJS.ProcessEnv = process.env,
): Readonly<z.output<S>> {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const given = issue.path.length === 1 ? cleaned[String(issue.path[0])] : undefined;
        const shown = given === undefined ? undefined : describeValue(name, given);
        return shown === undefined
          ? `${name}: ${issue.message}`
          : `${name}: ${issue.message} (got ${shown})`;
      }),
    );
  }
  return Object.freeze(result.data);
}

/** Settings every Herald service reads. Apps extend this object with their own keys. */
export const baseEnvShape = {
  // Logging
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Names this process in logs, consumer names and history rows; defaults to host-pid. */
  HERALD_REPLICA: z.string().optional(),
  /** How long a service waits at start for Redis to answer (a restart in progress) before it gives up. */
  HERALD_REDIS_CONNECT_WAIT_MS: MsEnv.default(30_000), // 30 s
};

/** Settings of the four stage workers. */
export const workerEnvShape = {
  ...baseEnvShape,
  // Stores
  DATABASE_URL: z.string().url({ message: 'must be a postgresql:// URL' }),
  REDIS_URL: z.string().url({ message: 'must be a redis:// URL' }),
  /** Every Redis key is `{namespace}:...`: one hash slot, and room for several installs. */
  HERALD_REDIS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('herald'),
  // Health and metrics endpoint
  OPS_HOST: z.string().default('127.0.0.1'),
  OPS_PORT: z.coerce.number().int().min(0).max(65_535).default(9100),
  // Batching
  HERALD_BATCH_SIZE: CountEnv.default(100),
  // BLOCK 0 would wait forever; the floors below keep a typo from making claims worthless
  // or a stop instant.
  HERALD_BLOCK_MS: MsEnv.min(1).default(2_000), // 2 s: how long one read waits for new entries
  // 50 ms: a read of less than half a batch waits this long once for more, so a moderate
  // load is handled in fuller batches (each costs a claim and a commit); 0: never wait.
  HERALD_READ_LINGER_MS: MsEnv.default(50),
  // 5 s: how often a replica publishes its breakers and re-reads operators' pauses.
  HERALD_BREAKER_HEARTBEAT_MS: MsEnv.min(10).default(5_000),
  // At-least-once
  HERALD_CLAIM_TIMEOUT_MS: MsEnv.min(100).default(60_000), // 60 s: a worker's hold on an alert, renewed while it works
  HERALD_HANDLER_TIMEOUT_MS: MsEnv.min(100).default(300_000), // 5 min: longest one batch may take
  HERALD_RECLAIM_IDLE_MS: MsEnv.min(100).default(60_000), // 60 s: when a pending entry counts as abandoned
  HERALD_RECLAIM_INTERVAL_MS: MsEnv.min(10).default(10_000), // 10 s
  HERALD_MAX_DELIVERIES: CountEnv.default(5),
  HERALD_MAX_ATTEMPTS: CountEnv.default(8),
  HERALD_RETRY_BASE_MS: MsEnv.default(2_000), // 2 s, doubling per attempt
  HERALD_RETRY_MAX_MS: MsEnv.default(300_000), // 5 min
  HERALD_SWEEP_INTERVAL_MS: MsEnv.min(10).default(15_000), // 15 s
  HERALD_HANDOFF_GRACE_MS: MsEnv.default(30_000), // 30 s: a finished state older than this is republished
  HERALD_SHUTDOWN_TIMEOUT_MS: MsEnv.min(100).default(10_000), // 10 s
};

/**
 * parseEnv for a service's main: on bad configuration it prints which variables are
 * wrong (plain text on stderr: no logger exists yet) and exits 1 at once.
 */
export function loadEnvOrExit<S extends z.ZodType>(
  schema: S,
  source: NodeJS.ProcessEnv = process.env,
): Readonly<z.output<S>> {
  try {
    return parseEnv(schema, source);
  } catch (err) {
    if (!isConfigError(err)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
