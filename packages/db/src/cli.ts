#!/usr/bin/env node
// herald-db migrate | status | retry: applies or lists migrations for DATABASE_URL, or sends
// alerts in error through the pipeline again.
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { createDatabase } from './client.ts';
import { applyMigrations, pendingMigrations } from './migrate.ts';
import { retryFailedAlerts, type RetryResult, type RetrySelector } from './retry.ts';

const USAGE = 'usage: herald-db migrate | status | retry <alert-id>... | retry --all [--limit N]\n';
const DEFAULT_RETRY_LIMIT = 1_000;
const DEFAULT_MAX_RETRIES = 3;

// The database package has no Redis, so a retry cannot publish: the enricher's sweeper does.
const SWEEPER_NOTE =
  "herald-db does not publish to Redis: the enricher's sweeper hands retried alerts to the " +
  'enrich stream once they have waited in state new for its hand-off grace ' +
  '(HERALD_HANDOFF_GRACE_MS, 30 s by default) plus one sweep interval, or later while the ' +
  'enrich stream has a backlog.\n';

function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(2);
}

function wholeNumber(name: string, value: string, min: number): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || parsed < min) {
    usageError(`${name} must be a whole number >= ${min}, got '${value}'`);
  }
  return parsed;
}

/** `retry <id>...` or `retry --all [--limit N]`, as a selector. */
function retrySelector(args: string[]): RetrySelector {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { all: { type: 'boolean' }, limit: { type: 'string' } },
    });
  } catch (err) {
    usageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.all) {
    if (positionals.length > 0) usageError('give either alert ids or --all, not both');
    const limit =
      values.limit === undefined ? DEFAULT_RETRY_LIMIT : wholeNumber('--limit', values.limit, 1);
    return { all: true, limit };
  }
  if (values.limit !== undefined) usageError('--limit goes with --all');
  if (positionals.length === 0) usageError('name the alerts to retry, or give --all');
  return { ids: positionals };
}

function reportRetry({ retried, skipped }: RetryResult, maxRetries: number): void {
  const lines = retried.map((id) => `retried ${id}`);
  for (const skip of skipped) {
    const detail =
      skip.reason === 'retry limit reached'
        ? ` (${skip.retries} of ${maxRetries} retries used)`
        : skip.reason === 'not in error'
          ? ` (state ${skip.state})`
          : '';
    lines.push(`skipped ${skip.id}: ${skip.reason}${detail}`);
  }
  lines.push(`${retried.length} retried, ${skipped.length} skipped`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (retried.length > 0) process.stdout.write(SWEEPER_NOTE);
}

const [command, ...rest] = process.argv.slice(2);
const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL is not set: give the postgresql:// URL of the database\n');
  process.exit(2);
}
if (command !== 'migrate' && command !== 'status' && command !== 'retry') {
  usageError(command === undefined ? 'no command given' : `unknown command '${command}'`);
}
// Checked before connecting, like the command. HERALD_MAX_RETRIES is the variable (and
// default) of ingest-api's retry routes, so both apply one cap.
const retry =
  command === 'retry'
    ? {
        selector: retrySelector(rest),
        maxRetries: wholeNumber(
          'HERALD_MAX_RETRIES',
          process.env.HERALD_MAX_RETRIES || String(DEFAULT_MAX_RETRIES),
          0,
        ),
      }
    : undefined;

// No statement timeout: a migration that rewrites a large table may rightly run for minutes.
const db = createDatabase({ url, poolMax: 1, applicationName: 'herald-db', statementTimeoutMs: 0 });
try {
  if (command === 'migrate') {
    const applied = await applyMigrations(db.pool);
    process.stdout.write(
      applied.length ? `applied ${applied.join(', ')}\n` : 'migrations are up to date\n',
    );
  } else if (retry) {
    const result = await retryFailedAlerts(
      db.pool,
      retry.selector,
      { service: 'herald-db', replica: hostname() },
      { maxRetries: retry.maxRetries },
    );
    reportRetry(result, retry.maxRetries);
    // A script retrying named alerts learns that not all of them went.
    process.exitCode = result.skipped.length > 0 ? 1 : 0;
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
