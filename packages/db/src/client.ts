import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type { PrismaClient } from './generated/prisma/client.ts';
export { Prisma } from './generated/prisma/client.ts';

export interface DatabaseOptions {
  /** A postgresql:// URL. */
  url: string;
  /** Connections in the pool; a stage needs few, since it works in batches. */
  poolMax?: number;
  /** Names this process in pg_stat_activity. */
  applicationName?: string;
}

/** A Prisma client and the pg pool under it, which the batched raw SQL shares. */
export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Opens a pool and a Prisma client on it. Closing is idempotent. */
export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    application_name: options.applicationName ?? 'herald',
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener
  // that would crash the process instead of letting the next query reconnect.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    pool,
    close() {
      closing ??= (async () => {
        await prisma.$disconnect();
        await pool.end();
      })();
      return closing;
    },
  };
}
