import { z } from 'zod';
import { CountEnv, MsEnv, baseEnvShape, parseEnv } from '@herald/runtime';

/**
 * HERALD_API_KEY: one key, or several separated by commas so a new key can be rolled out
 * before the old one is withdrawn. Each key is checked as an array element, so a problem
 * is reported as `HERALD_API_KEY.1` and parseEnv never echoes the secret value back
 * (it only quotes values of top-level variables).
 */
const ApiKeysEnv = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key !== ''),
  )
  .pipe(
    z
      .array(z.string().min(16, { message: 'each API key must be at least 16 characters long' }))
      .min(1, { message: 'must hold at least one API key (several are separated by commas)' }),
  );

const PortEnv = z.coerce
  .number({ message: 'must be a port number from 0 to 65535' })
  .int({ message: 'must be a port number from 0 to 65535' })
  .min(0, { message: 'must be a port number from 0 to 65535' })
  .max(65_535, { message: 'must be a port number from 0 to 65535' });

/** Everything ingest-api reads from its environment. */
export const IngestEnvSchema = z.object({
  ...baseEnvShape,
  // Stores
  DATABASE_URL: z.string().url({ message: 'must be a postgresql:// URL' }),
  REDIS_URL: z.string().url({ message: 'must be a redis:// URL' }),
  /** Every Redis key is `{namespace}:...`: one hash slot, and room for several installs. */
  HERALD_REDIS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'may hold only letters, digits, _ and -' })
    .default('herald'),
  // HTTP
  HERALD_HTTP_HOST: z.string().default('127.0.0.1'),
  HERALD_HTTP_PORT: PortEnv.default(8080),
  HERALD_API_KEY: ApiKeysEnv,
  // Limits
  HERALD_BODY_LIMIT_BYTES: CountEnv.default(10 * 1024 * 1024), // 10 MiB
  HERALD_MAX_ALERTS_PER_REQUEST: CountEnv.default(5_000),
  /** Operator retries one alert may get (error -> new); a poison alert cannot loop forever. */
  HERALD_MAX_RETRIES: z.coerce
    .number({ message: 'must be a whole number >= 0' })
    .int({ message: 'must be a whole number >= 0' })
    .nonnegative({ message: 'must be a whole number >= 0' })
    .default(3),
  // Backpressure
  /**
   * Summed lag (entries) of every stage's consumer group (enrich, analyze, format, send)
   * above which posts get 503 with Retry-After; 0: never refuse.
   */
  HERALD_MAX_PIPELINE_LAG: z.coerce
    .number({ message: 'must be a whole number >= 0' })
    .int({ message: 'must be a whole number >= 0' })
    .nonnegative({ message: 'must be a whole number >= 0' })
    .default(100_000),
  /**
   * Bytes of POST /v1/alerts bodies worked on at once above which posts get 503 with
   * Retry-After (one post is always taken on its own); 0: never refuse. Raise it only with
   * the heap (NODE_OPTIONS --max-old-space-size): each body costs several times its size.
   */
  HERALD_MAX_BODY_BYTES_IN_FLIGHT: z.coerce
    .number({ message: 'must be a whole number >= 0' })
    .int({ message: 'must be a whole number >= 0' })
    .nonnegative({ message: 'must be a whole number >= 0' })
    .default(10 * 1024 * 1024), // 10 MiB
  HERALD_BACKPRESSURE_CHECK_MS: MsEnv.default(1_000), // 1 s: the lag is read at most this often
  HERALD_BACKPRESSURE_RETRY_AFTER_S: CountEnv.default(5),
  // Retention: the tables stay bounded. 0 keeps forever.
  HERALD_RETENTION_MS: MsEnv.default(30 * 86_400_000), // 30 days for sent and suppressed alerts
  HERALD_ERROR_RETENTION_MS: MsEnv.default(90 * 86_400_000), // 90 days for alerts in error
  HERALD_RETENTION_INTERVAL_MS: MsEnv.min(10).default(600_000), // 10 min between prunes
  // Shutdown
  HERALD_SHUTDOWN_TIMEOUT_MS: MsEnv.default(10_000), // 10 s: in-flight requests get this long
});

/** The parsed, frozen configuration of ingest-api. */
export type IngestEnv = Readonly<z.output<typeof IngestEnvSchema>>;

/**
 * Parses the configuration; throws ConfigError naming each bad variable. main.ts calls it
 * once at start. Not parsed at import, so tests can import the app without an environment.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): IngestEnv {
  return parseEnv(IngestEnvSchema, source);
}
