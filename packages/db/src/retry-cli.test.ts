import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { testServers } from '@herald/testkit';
import { test } from './testing.ts';
import { fail, row, seed } from './retry-test-support.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const execCli = promisify(execFile);

/** Runs `herald-db` with `args` on the test's database; resolves with its exit code and output. */
async function cli(databaseUrl: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await execCli(testServers().node, [CLI, ...args], {
      env: { DATABASE_URL: databaseUrl, ...env },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('herald-db retry', () => {
  test('retries named alerts, says what it skipped and that the sweeper hands them on', async ({
    db,
    databaseUrl,
  }) => {
    const [inError, fresh] = await seed(db, 2);
    await fail(db, [inError!]);
    const unknown = randomUUID();

    const run = await cli(databaseUrl, ['retry', inError!, fresh!, unknown]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`retried ${inError}\n`);
    expect(run.stdout).toContain(`skipped ${fresh}: not in error (state new)\n`);
    expect(run.stdout).toContain(`skipped ${unknown}: unknown id\n`);
    expect(run.stdout).toContain('1 retried, 2 skipped\n');
    expect(run.stdout).toMatch(/does not publish to Redis: the enricher's sweeper hands/);
    expect(await row(db, inError!)).toMatchObject({ state: 'new', retries: 1 });
    const { rows } = await db.pool.query(
      `SELECT service, replica FROM alert_transitions WHERE reason = 'retried by herald-db'`,
    );
    expect(rows).toEqual([{ service: 'herald-db', replica: expect.any(String) }]);
    expect(rows[0].replica).not.toBe('');
  }, 30_000);

  test('--all --limit retries that many and applies HERALD_MAX_RETRIES', async ({
    db,
    databaseUrl,
  }) => {
    const ids = await seed(db, 3);
    await fail(db, ids);
    await db.pool.query('UPDATE alerts SET retries = 1 WHERE id = $1', [ids[0]]);

    const run = await cli(databaseUrl, ['retry', '--all', '--limit', '1'], {
      HERALD_MAX_RETRIES: '1',
    });

    expect(run.stdout).toContain(`skipped ${ids[0]}: retry limit reached (1 of 1 retries used)\n`);
    expect(run.stdout).toContain('1 retried, 1 skipped\n');
    expect(run.code).toBe(1);
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM alerts WHERE state = 'new'`,
    );
    expect(rows[0].n).toBe(1);

    const rest = await cli(databaseUrl, ['retry', '--all'], { HERALD_MAX_RETRIES: '2' });
    expect(rest.code).toBe(0);
    expect(rest.stdout).toContain('2 retried, 0 skipped\n');
  }, 30_000);

  test('refuses bad usage with exit code 2 before touching the database', async ({
    db,
    databaseUrl,
  }) => {
    const [id] = await seed(db, 1);
    await fail(db, [id!]);

    const cases: [string[], Record<string, string>, RegExp][] = [
      [['retry'], {}, /name the alerts to retry, or give --all/],
      [['retry', '--all', id!], {}, /either alert ids or --all, not both/],
      [['retry', id!, '--limit', '5'], {}, /--limit goes with --all/],
      [
        ['retry', '--all', '--limit', 'many'],
        {},
        /--limit must be a whole number >= 1, got 'many'/,
      ],
      [['retry', id!], { HERALD_MAX_RETRIES: '-1' }, /HERALD_MAX_RETRIES must be a whole number/],
      [['retry', '--every'], {}, /Unknown option '--every'/],
      [['frobnicate'], {}, /unknown command 'frobnicate'/],
    ];
    const runs = await Promise.all(cases.map(([args, env]) => cli(databaseUrl, args, env)));
    runs.forEach((run, i) => {
      const [args, , message] = cases[i]!;
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('usage: herald-db');
    });
    expect((await row(db, id!)).state).toBe('error');
  }, 30_000);
});
