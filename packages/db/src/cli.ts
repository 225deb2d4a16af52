#!/usr/bin/env node
// herald-db migrate | status: applies or lists migrations for DATABASE_URL.
import { createDatabase } from './client.ts';
import { applyMigrations, pendingMigrations } from './migrate.ts';

const [command] = process.argv.slice(2);
const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL is not set: give the postgresql:// URL of the database\n');
  process.exit(2);
}
if (command !== 'migrate' && command !== 'status') {
  process.stderr.write('usage: herald-db migrate|status\n');
  process.exit(2);
}

// No statement timeout: a migration that rewrites a large table may rightly run for minutes.
const db = createDatabase({ url, poolMax: 1, applicationName: 'herald-db', statementTimeoutMs: 0 });
try {
  if (command === 'migrate') {
    const applied = await applyMigrations(db.pool);
    process.stdout.write(
      applied.length ? `applied ${applied.join(', ')}\n` : 'migrations are up to date\n',
    );
  } else {
    const pending = await pendingMigrations(db.pool);
    process.stdout.write(pending.length ? `pending: ${pending.join(', ')}\n` : 'up to date\n');
    process.exitCode = pending.length ? 1 : 0;
  }
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  if (err instanceof Error && err.cause) process.stderr.write(`  cause: ${String(err.cause)}\n`);
  process.exitCode = 1;
} finally {
  await db.close();
}
