import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './helpers.ts';
// The same starters `npm test` and `npm start` use (standard-library .mjs, no types).
import { freePort, startPostgres, startRedis } from '../../scripts/local-services.mjs';
import { ensureServerBinaries } from '../../scripts/toolchain.mjs';

/**
 * Redis (AOF on) and PostgreSQL private to one fault run, in a temporary folder, on free
 * loopback ports: restarts and FLUSHALL here touch nothing else.
 */
export interface PrivateServers {
  workDir: string;
  redisPort: number;
  redisUrl: string;
  databaseUrl: string;
  /** SIGTERM, then a new redis-server on the same port and AOF folder. */
  restartRedis(): Promise<void>;
  /** pg_ctl stop -m fast, then start on the same cluster and port. */
  restartPostgres(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

interface Stoppable {
  url: string;
  stop(): Promise<void>;
}

function runNode(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        ...env,
      },
      stdio: 'inherit',
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** Starts both servers and applies Herald's migrations. */
export async function startPrivateServers(): Promise<PrivateServers> {
  const workDir = mkdtempSync(join(tmpdir(), 'herald-faults-'));
  // PostgreSQL runs as its own user when we are root and must reach its folder inside.
  chmodSync(workDir, 0o755);
  const binaries = ensureServerBinaries();
  const redisPort: number = await freePort();
  const postgresPort: number = await freePort();
  const redisOptions = {
    binary: binaries.redisServer,
    dataDir: join(workDir, 'redis'),
    port: redisPort,
  };
  const postgresOptions = {
    binaries,
    dataDir: join(workDir, 'postgres'),
    port: postgresPort,
    database: 'herald_faults',
    // Only clean stops here (pg_ctl -m fast flushes), so fsync buys nothing but time.
    fsync: false,
  };
  let redis: Stoppable = await startRedis(redisOptions);
  let postgres: Stoppable = await startPostgres(postgresOptions);
  const migrate = await runNode([join(REPO_ROOT, 'packages/db/src/cli.ts'), 'migrate'], {
    DATABASE_URL: postgres.url,
  });
  if (migrate !== 0) throw new Error('migrating the fault database failed');
  return {
    workDir,
    redisPort,
    redisUrl: redis.url,
    databaseUrl: postgres.url,
    async restartRedis() {
      await redis.stop();
      redis = await startRedis(redisOptions);
    },
    async restartPostgres(downMs) {
      await postgres.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      postgres = await startPostgres(postgresOptions);
    },
    async stop() {
      await redis.stop().catch(() => {});
      await postgres.stop().catch(() => {});
    },
  };
}
