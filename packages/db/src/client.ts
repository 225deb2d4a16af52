import pg from 'pg';

export interface DatabaseOptions {
  /** A postgresql:// URL. */
  url: string;
  /** Connections in the pool; a stage needs few, since it works in batches. */
  poolMax?: number;
  /** Names this process in pg_stat_activity. */
  applicationName?: string;
  /** Bound on getting a connection, so a server that hangs fails requests instead of holding them. */
  connectionTimeoutMs?: number;
  /** Server-side bound on one statement (statement_timeout); 0 for none. */
  statementTimeoutMs?: number;
}

/**
 * The pg pool every query runs on. Herald's services use no Prisma client at run time: all
 * their statements are SQL on this pool, and loading the generated client cost each process
 * about 45 MB of memory (RSS 43.7 MB bare, 91.8 MB after importing it; Node 24.21).
 */
export interface Database {
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Opens the pool. Closing is idempotent. */
export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    application_name: options.applicationName ?? 'herald',
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000, // 10 s
    statement_timeout: options.statementTimeoutMs ?? 30_000, // 30 s
    // The hot statements are prepared once per connection (transitions.ts). After five
    // runs PostgreSQL may switch a prepared statement to a generic plan, which cannot see
    // how small the id arrays are: the insert of ingest then scanned the alerts table and
    // took 5.5 ms instead of 0.4 (bench, one alert per POST). Custom plans keep the saved
    // parsing and plan for the values at hand.
    options: '-c plan_cache_mode=force_custom_plan',
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener
  // that would crash the process instead of letting the next query reconnect.
  pool.on('error', () => {});
  // pg-pool stops listening for errors on a client while it is checked out, so a server
  // that ends the connection mid-transaction (a restart, a failover) would raise an
  // unhandled 'error' and kill the process. With a listener of our own, the statement in
  // flight fails normally and the pool discards the dead client on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  let closing: Promise<void> | undefined;
  return {
    pool,
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}
