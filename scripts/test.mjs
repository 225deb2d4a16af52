// `npm test`: the whole suite on a machine with only Node and npm. Installs the toolchain,
// starts a throwaway PostgreSQL and Redis on free loopback ports, migrates a template
// database that every test database is copied from, type-checks, runs vitest, and prints
// one closing line `tests: N passed, N failed`. Extra arguments go to vitest.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServerBinaries, ensureToolchain, repoRoot } from './toolchain.mjs';
import { freePort, startPostgres, startRedis } from './local-services.mjs';

const vitestArgs = process.argv.slice(2);
const toolchain = ensureToolchain();
const binaries = ensureServerBinaries();

const workDir = mkdtempSync(join(tmpdir(), 'herald-test-'));
// PostgreSQL runs as its own user when we are root, and must reach its folder inside.
chmodSync(workDir, 0o755);
const stops = [];
let exitCode = 1;

function runChild(command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: 'inherit' });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

try {
  // fsync off: a test database that loses its last writes in a power cut costs nothing,
  // and the suite runs several times faster on slow disks.
  const postgres = await startPostgres({
    binaries,
    dataDir: join(workDir, 'postgres'),
    port: await freePort(),
    database: 'herald_template',
    fsync: false,
  });
  stops.push(postgres.stop);
  const redis = await startRedis({
    binary: binaries.redisServer,
    dataDir: join(workDir, 'redis'),
    port: await freePort(),
  });
  stops.push(redis.stop);

  const env = {
    ...toolchain.env,
    HERALD_TEST_DATABASE_URL: postgres.url,
    HERALD_TEST_REDIS_URL: redis.url,
    HERALD_TEST_NODE: toolchain.node,
  };
  const migrate = await runChild(toolchain.node, [join(repoRoot, 'packages/db/src/cli.ts'), 'migrate'], {
    ...env,
    DATABASE_URL: postgres.url,
  });
  if (migrate !== 0) throw new Error('migrating the template database failed');

  const pnpmRun = (args) => runChild(toolchain.node, [toolchain.pnpmEntry, ...args], env);
  if (vitestArgs.length === 0) {
    const typecheck = await pnpmRun(['exec', 'turbo', 'run', 'typecheck', '--output-logs=errors-only']);
    if (typecheck !== 0) throw new Error('type check failed');
  }

  const report = join(workDir, 'vitest-report.json');
  exitCode = await pnpmRun([
    'exec', 'vitest', 'run',
    '--reporter=default', '--reporter=json', `--outputFile.json=${report}`,
    ...vitestArgs,
  ]);
  if (existsSync(report)) {
    const summary = JSON.parse(readFileSync(report, 'utf8'));
    const skipped = summary.numPendingTests + summary.numTodoTests;
    process.stdout.write(
      `\ntests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed` +
        (skipped ? `, ${skipped} skipped` : '') + '\n',
    );
    if (summary.numTotalTests === 0) exitCode = 1;
  }
} catch (err) {
  process.stderr.write(`[herald] ${err instanceof Error ? err.message : String(err)}\n`);
  exitCode = 1;
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  rmSync(workDir, { recursive: true, force: true });
}
process.exit(exitCode);
