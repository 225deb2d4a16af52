// Starts private Redis and PostgreSQL servers in a data folder, on loopback and on ports
// that are not the system-wide defaults, for `npm start` and `npm test`. Standard library
// only (see toolchain.mjs for why).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync, openSync, readdirSync, statSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { commandLine } from './pid-files.mjs';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Asks the kernel for a free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function redisPing(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
}

/**
 * Starts redis-server with AOF on and eviction off (a stream key must never be evicted),
 * as a child of this process. `onSpawn` gets its pid at once (before it is ready), so a
 * caller can record it. Resolves once it answers PING.
 */
export async function startRedis({ binary, dataDir, port, onSpawn = () => {} }) {
  mkdirSync(dataDir, { recursive: true });
  const logFd = openSync(join(dataDir, 'redis.log'), 'a');
  const child = spawn(
    binary,
    [
      '--bind', '127.0.0.1',
      '--port', String(port),
      '--dir', dataDir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--maxmemory-policy', 'noeviction',
      '--daemonize', 'no',
    ],
    // Detached, so a terminal's Ctrl-C does not stop Redis before the services that use it.
    { stdio: ['ignore', logFd, logFd], detached: true },
  );
  if (child.pid !== undefined) onSpawn(child.pid);
  for (let i = 0; i < 200; i += 1) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with ${child.exitCode}; see ${join(dataDir, 'redis.log')}`);
    }
    if (await redisPing(port)) {
      return {
        url: `redis://127.0.0.1:${port}`,
        stop: () => stopChild(child),
      };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port}; see ${join(dataDir, 'redis.log')}`);
}

function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

function chownTree(path, uid, gid) {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
  }
}

function postgresUser() {
  const result = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const uid = Number(result.stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (result.status !== 0 || !Number.isInteger(uid)) {
    throw new Error('PostgreSQL refuses to run as root and there is no "postgres" user to run it as');
  }
  return { uid, gid };
}

/** Whether the postgres user can enter `dir`, which needs search permission on every parent too. */
function postgresCanEnter(dir) {
  return spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir]).status === 0;
}

// Where a cluster goes when the postgres user cannot reach the data folder.
const SHARED_POSTGRES_ROOT = '/var/lib/herald';

/**
 * The folder for the PostgreSQL data of data folder `dataDir`: `<dataDir>/postgres`, unless
 * we are root and the postgres user (the server runs as it) cannot enter `dataDir`, as in a
 * clone under /root (mode 0700). Then /var/lib/herald/<hash of dataDir>/postgres, so each
 * data folder still has its own cluster; a `data-dir` file beside it names the folder.
 * `moved` says which one it is.
 */
export function postgresDataDir(dataDir) {
  const preferred = join(resolve(dataDir), 'postgres');
  if (!isRoot) return { dir: preferred, moved: false };
  mkdirSync(dataDir, { recursive: true });
  const { uid, gid } = postgresUser();
  if (postgresCanEnter(dataDir)) return { dir: preferred, moved: false };

  const home = join(SHARED_POSTGRES_ROOT, createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12));
  // Created one level at a time: a recursive mkdir would give every level the 0700 mode.
  mkdirSync(SHARED_POSTGRES_ROOT, { recursive: true, mode: 0o755 });
  mkdirSync(home, { recursive: true, mode: 0o755 });
  writeFileSync(join(home, 'data-dir'), `${resolve(dataDir)}\n`);
  const dir = join(home, 'postgres');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chownSync(dir, uid, gid);
  if (!postgresCanEnter(dir)) {
    throw new Error(`the postgres user cannot enter ${dir} either; check the modes of ${SHARED_POSTGRES_ROOT} and ${home}`);
  }
  return { dir, moved: true };
}

/** Runs a PostgreSQL tool, as the postgres user when we are root (initdb refuses root). */
function runPgTool(binary, args, { quiet = false } = {}) {
  const [command, fullArgs] = isRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  const result = spawnSync(command, fullArgs, { encoding: 'utf8' });
  if (result.status !== 0 && !quiet) {
    throw new Error(`${binary} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  }
  return result;
}

/**
 * Whether a server left by an earlier run (its starter killed) still runs on clusterDir:
 * pg_ctl says so and the pid in postmaster.pid is a postgres started on this folder (pg_ctl
 * alone would trust a pid that a reboot handed to another program).
 */
function leftoverServer(pgCtl, clusterDir) {
  if (runPgTool(pgCtl, ['-D', clusterDir, 'status'], { quiet: true }).status !== 0) return false;
  try {
    const pid = Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return commandLine(pid).includes(clusterDir);
  } catch {
    return false;
  }
}

/**
 * Starts a PostgreSQL cluster kept in dataDir (created on first use, with a generated
 * password kept beside it) listening on 127.0.0.1:port, and makes sure `database` exists.
 * A server still running on the cluster (an earlier run was killed before stopping it) is
 * stopped first, reported through `log`: it may run with other settings, and a fast stop
 * loses nothing committed.
 */
export async function startPostgres({ binaries, dataDir, port, database, fsync = true, log = () => {} }) {
  const clusterDir = join(dataDir, 'cluster');
  const socketDir = join(dataDir, 'socket');
  const passwordFile = join(dataDir, 'password');
  // The socket folder is private (0700, owned by the server's user), so trusting local
  // socket connections lets in only that user and root. Its parents are made first with
  // the default mode: a recursive mkdir would make them 0700 too, closed to that user.
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  if (!existsSync(passwordFile)) {
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  if (isRoot) {
    const { uid, gid } = postgresUser();
    chownTree(dataDir, uid, gid);
  }
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    runPgTool(binaries.initdb, [
      '-D', clusterDir,
      '-U', 'herald',
      '--pwfile', passwordFile,
      '--auth-host', 'scram-sha-256',
      '--auth-local', 'trust',
      '--encoding', 'UTF8',
      '--locale', 'C',
    ]);
  }
  const options = [
    `-p ${port}`,
    `-k ${socketDir}`,
    "-c listen_addresses=127.0.0.1",
    '-c max_connections=200',
    fsync ? '' : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
  ].join(' ');
  if (leftoverServer(binaries.pgCtl, clusterDir)) {
    log(`stopping the PostgreSQL server an earlier run left running on ${clusterDir}`);
    runPgTool(binaries.pgCtl, ['-D', clusterDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }
  runPgTool(binaries.pgCtl, ['-D', clusterDir, '-l', join(dataDir, 'postgres.log'), '-o', options, '-w', '-t', '60', 'start']);

  const baseUrl = `postgresql://herald:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const exists = runPgTool(binaries.createdb, ['-h', socketDir, '-p', String(port), '-U', 'herald', database], { quiet: true });
  if (exists.status !== 0 && !exists.stderr.includes('already exists')) {
    throw new Error(`createdb ${database} failed: ${exists.stderr}`);
  }
  return {
    url: `${baseUrl}/${database}`,
    adminUrl: `${baseUrl}/postgres`,
    stop: async () => {
      runPgTool(binaries.pgCtl, ['-D', clusterDir, '-m', 'fast', '-w', 'stop'], { quiet: true });
    },
  };
}
