// Brings a fresh machine that has only Node (20 or newer) and npm to the toolchain Herald
// runs on: Node 24 and pnpm in the project's .tools folder, the workspace's dependencies,
// the generated Prisma client, and the Redis and PostgreSQL server binaries.
// Plain JavaScript with Node's standard library only, because it runs before anything
// else is installed and possibly on a Node that cannot strip TypeScript types.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDirLock } from './dir-lock.mjs';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(repoRoot, '.tools');
const NODE_MAJOR = 24;
const PNPM_VERSION = '10.34.9';

function log(message) {
  process.stderr.write(`[herald] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`[herald] ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    fail(`command failed (${result.status ?? result.signal}): ${command} ${args.join(' ')}`);
  }
}

function nodeMajor(nodePath) {
  try {
    const out = execFileSync(nodePath, ['--version'], { encoding: 'utf8' }).trim();
    return Number(out.replace(/^v/, '').split('.')[0]);
  } catch {
    return 0;
  }
}

/** Returns the path of a Node >= 24 binary, installing one into .tools/node if needed. */
function ensureNode() {
  if (nodeMajor(process.execPath) >= NODE_MAJOR) {
    return process.execPath;
  }
  const local = join(toolsDir, 'node', 'bin', 'node');
  const installed = () => existsSync(local) && nodeMajor(local) >= NODE_MAJOR;
  if (installed()) {
    return local;
  }
  withToolsLock(() => {
    if (installed()) return;
    log(`installing Node ${NODE_MAJOR} into .tools/node (the machine has ${process.version})`);
    run('npm', ['install', '--global', '--prefix', join(toolsDir, 'node'), `node@${NODE_MAJOR}`, '--no-fund', '--no-audit']);
    if (!installed()) {
      fail(`Node ${NODE_MAJOR} did not install into ${local}`);
    }
  });
  return local;
}

/** Returns the path of pnpm's JS entry point, installing pnpm into .tools/pnpm if needed. */
function ensurePnpm() {
  const entry = join(toolsDir, 'pnpm', 'lib', 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  if (!existsSync(entry)) {
    withToolsLock(() => {
      if (existsSync(entry)) return;
      log(`installing pnpm ${PNPM_VERSION} into .tools/pnpm`);
      run('npm', ['install', '--global', '--prefix', join(toolsDir, 'pnpm'), `pnpm@${PNPM_VERSION}`, '--no-fund', '--no-audit']);
    });
  }
  return entry;
}

function fingerprint(files) {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    hash.update(existsSync(file) ? readFileSync(file) : '');
  }
  return hash.digest('hex');
}

function workspaceManifests() {
  const manifests = [join(repoRoot, 'package.json'), join(repoRoot, 'pnpm-lock.yaml'), join(repoRoot, 'pnpm-workspace.yaml')];
  for (const group of ['apps', 'packages']) {
    const dir = join(repoRoot, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      manifests.push(join(dir, name, 'package.json'));
    }
  }
  return manifests;
}

/** Runs `step` holding .tools/install.lock: one install or generate at a time per checkout. */
function withToolsLock(step) {
  mkdirSync(toolsDir, { recursive: true });
  try {
    return withDirLock(join(toolsDir, 'install.lock'), step, { log });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Runs a step only when its inputs changed since it last succeeded (a stamp in .tools) or
 * its output is missing, under the install lock; both are checked again once the lock is
 * held, since the run we waited for has usually done the step already.
 */
function onChange(name, { inputs, output }, step) {
  const stampFile = join(toolsDir, `${name}.stamp`);
  const current = (stamp) =>
    (!output || existsSync(output)) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp;
  if (current(fingerprint(inputs))) return;
  withToolsLock(() => {
    const stamp = fingerprint(inputs);
    if (current(stamp)) return;
    step();
    writeFileSync(stampFile, stamp);
  });
}

function findExecutable(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The newest Debian PostgreSQL bin folder, which Debian keeps off PATH. */
function debianPostgresBin() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

function findServerBinaries() {
  const pgBin = debianPostgresBin();
  const pick = (name) => (pgBin && existsSync(join(pgBin, name)) ? join(pgBin, name) : findExecutable(name));
  return {
    redisServer: findExecutable('redis-server'),
    initdb: pick('initdb'),
    pgCtl: pick('pg_ctl'),
    createdb: pick('createdb'),
    postgres: pick('postgres'),
  };
}

/**
 * Finds redis-server and the PostgreSQL server tools, installing them with apt-get when
 * this process may (root on a Debian-like system), or stops with the exact command.
 */
export function ensureServerBinaries() {
  let found = findServerBinaries();
  const missing = () => Object.entries(found).filter(([, path]) => !path).map(([name]) => name);
  if (missing().length === 0) return found;

  const packages = ['redis-server', 'postgresql'];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !findExecutable('apt-get')) {
    fail(
      `missing ${missing().join(', ')}. Install them, then run this again:\n` +
        `  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}\n` +
        'or point REDIS_URL and DATABASE_URL at servers you already run.',
    );
  }
  log(`installing ${packages.join(' ')} with apt-get (missing: ${missing().join(', ')})`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  found = findServerBinaries();
  if (missing().length > 0) fail(`still missing after apt-get: ${missing().join(', ')}`);
  return found;
}

/**
 * Makes the toolchain ready and returns how to run things with it: the Node 24 binary,
 * a PATH with the tools first, and a function that runs pnpm.
 */
export function ensureToolchain() {
  const node = ensureNode();
  const pnpmEntry = ensurePnpm();
  const binPath = [dirname(node), join(toolsDir, 'pnpm', 'bin'), process.env.PATH].join(':');
  const env = { ...process.env, PATH: binPath, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
  const pnpm = (args, options = {}) => run(node, [pnpmEntry, ...args], { cwd: repoRoot, env, ...options });

  onChange('install', { inputs: workspaceManifests() }, () => {
    log('installing workspace dependencies with pnpm');
    const frozen = existsSync(join(repoRoot, 'pnpm-lock.yaml')) && process.env.CI ? ['--frozen-lockfile'] : [];
    pnpm(['install', '--prefer-offline', ...frozen]);
  });
  const schema = join(repoRoot, 'packages', 'db', 'prisma', 'schema.prisma');
  const generated = join(repoRoot, 'packages', 'db', 'src', 'generated', 'prisma', 'client.ts');
  if (existsSync(schema)) {
    const inputs = [schema, join(repoRoot, 'pnpm-lock.yaml')];
    onChange('generate', { inputs, output: generated }, () => {
      log('generating the Prisma client');
      pnpm(['--filter', '@herald/db', 'run', 'db:generate']);
    });
  }
  return { node, env, pnpm, pnpmEntry };
}
