import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

/** The committed Prisma migration folders of this package. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

// Prisma's own bookkeeping table, in the form `prisma migrate deploy` creates, so a
// database migrated by Herald's runner is one Prisma's CLI also considers up to date.
const CREATE_BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// Any constant shared by every Herald process: migrations run one at a time.
const MIGRATION_LOCK_KEY = 7_246_001;

export interface Migration {
  name: string;
  sql: string;
  /** SHA-256 of migration.sql, as Prisma computes it. */
  checksum: string;
}

export class MigrationError extends Error {
  readonly code = 'DB_MIGRATION';
  readonly isMigrationError = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Reads the migration folders, oldest first. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function appliedMigrations(client: pg.Pool | pg.PoolClient): Promise<Map<string, AppliedRow>> {
  const exists = await client.query<{ present: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
  );
  if (!exists.rows[0]?.present) {
    return new Map();
  }
  const { rows } = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"
      WHERE rolled_back_at IS NULL`,
  );
  return new Map(rows.map((row) => [row.migration_name, row]));
}

/** Names the migrations the database has not applied; throws if an applied one was edited. */
export async function pendingMigrations(
  pool: pg.Pool | pg.PoolClient,
  migrations: Migration[] = readMigrations(),
): Promise<string[]> {
  const applied = await appliedMigrations(pool);
  const pending: string[] = [];
  for (const migration of migrations) {
    const row = applied.get(migration.name);
    if (!row || row.finished_at === null) {
      pending.push(migration.name);
    } else if (row.checksum !== migration.checksum) {
      throw new MigrationError(
        `migration ${migration.name} was changed after it was applied (checksum differs); ` +
          'write a new migration instead of editing an applied one',
      );
    }
  }
  return pending;
}

/**
 * Applies every pending migration, each in its own transaction, under an advisory lock so
 * that concurrent starters do not race. Returns the names it applied.
 */
export async function applyMigrations(
  pool: pg.Pool,
  migrations: Migration[] = readMigrations(),
): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_BOOKKEEPING);
    const pending = new Set(await pendingMigrations(client, migrations));
    const applied: string[] = [];
    for (const migration of migrations.filter((m) => pending.has(m.name))) {
      try {
        await client.query('BEGIN');
        // A row left by a failed earlier attempt is replaced by this one.
        await client.query(
          `DELETE FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NULL`,
          [migration.name],
        );
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations"
             (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query('COMMIT');
        applied.push(migration.name);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new MigrationError(`migration ${migration.name} failed`, { cause: err });
      }
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    client.release();
  }
}

/** Services call this at start: they refuse a database whose migrations are behind. */
export async function assertMigrationsCurrent(pool: pg.Pool): Promise<void> {
  const pending = await pendingMigrations(pool);
  if (pending.length > 0) {
    throw new MigrationError(
      `the database is missing migrations ${pending.join(', ')}; run \`herald-db migrate\` ` +
        '(or `prisma migrate deploy`) before starting services',
    );
  }
}
