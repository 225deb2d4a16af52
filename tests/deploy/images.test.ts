// Each image's build steps run outside Docker (no Docker engine runs here), then the result
// runs as the image would: the migration image migrates an empty database, and each service
// starts from its pruned tree against the test PostgreSQL and Redis, answers its health
// checks, and exits 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  createTestRedis,
  freePort,
  REPO_ROOT,
  testServers,
  waitFor,
} from '@herald/testkit';
import { IMAGE_TARGETS, type ImageTarget } from '../../deploy/docker/prune.ts';
import { buildImage, run, type BuiltImage } from './src/image-build.ts';
import { SERVICES, type Service } from './src/services.ts';

const BUILD_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 20_000;

const workDir = mkdtempSync(join(tmpdir(), 'herald-images-'));
const images = new Map<ImageTarget, BuiltImage>();
const node = testServers().node;
// The tools the Dockerfile installs globally: turbo from the repository's own install, pnpm
// and Node 24 from the toolchain `npm test` put first on PATH.
const buildEnv = {
  ...process.env,
  PATH: [join(REPO_ROOT, 'node_modules', '.bin'), join(node, '..'), process.env.PATH].join(':'),
};

function image(target: ImageTarget): BuiltImage {
  const built = images.get(target);
  if (!built) throw new Error(`image ${target} was not built`);
  return built;
}

/** Package folders of an installed tree (node_modules/.pnpm), by name. */
function installedPackages(appRoot: string): string[] {
  return readdirSync(join(appRoot, 'node_modules', '.pnpm')).filter(
    (name) => name !== 'node_modules' && name !== 'lock.yaml',
  );
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

beforeAll(async () => {
  // All six in parallel: most of the time is pnpm linking from the store and Prisma's
  // generate, which overlap well even on two cores.
  const built = await Promise.all(
    IMAGE_TARGETS.map((target) => buildImage(target, join(workDir, target), buildEnv)),
  );
  for (const result of built) images.set(result.target, result);
}, BUILD_TIMEOUT_MS);

// Six installed trees are many files: removing them can outlast the default hook timeout.
afterAll(() => rm(workDir, { recursive: true, force: true }), 120_000);

describe('image contents', () => {
  it.each(IMAGE_TARGETS.map((t) => [t]))(
    '%s: its own sources and production dependencies only',
    (target) => {
      const { appRoot } = image(target);
      const apps = existsSync(join(appRoot, 'apps')) ? readdirSync(join(appRoot, 'apps')) : [];
      expect(apps).toEqual(target === 'migrate' ? [] : [target]);
      expect(existsSync(join(appRoot, 'packages', 'testkit'))).toBe(false);
      expect(testFiles(appRoot)).toEqual([]);
      expect(
        existsSync(join(appRoot, 'packages', 'db', 'src', 'generated', 'prisma', 'client.ts')),
      ).toBe(true);

      const installed = installedPackages(appRoot);
      // Test runner and the root's tools are dev dependencies: absent after --prod.
      for (const devOnly of ['vitest@', 'vite@', 'turbo@', 'prettier@']) {
        expect(
          installed.filter((name) => name.startsWith(devOnly)),
          devOnly,
        ).toEqual([]);
      }
      // The build stage did have them, so the check above can fail.
      expect(
        installedPackages(image(target).buildRoot).some((name) => name.startsWith('vitest@')),
      ).toBe(true);
    },
  );
});

describe('the migration image', () => {
  it('applies every migration to an empty database, then reports it up to date', async () => {
    const admin = new pg.Client({ connectionString: testServers().databaseUrl });
    await admin.connect();
    const name = `deploy_${Date.now().toString(36)}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    try {
      const url = new URL(testServers().databaseUrl);
      url.pathname = `/${name}`;
      const cwd = join(image('migrate').appRoot, 'packages', 'db'); // WORKDIR of the migrate target
      const env = { PATH: process.env.PATH ?? '', DATABASE_URL: url.toString() };
      const migrated = await run([node, 'src/cli.ts', 'migrate'], cwd, env); // ENTRYPOINT + CMD
      expect(migrated).toMatch(/^applied \d{14}_\w+/);
      expect(await run([node, 'src/cli.ts', 'status'], cwd, env)).toBe('up to date\n');
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});

interface Started {
  exited: Promise<number | null>;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts a service as its image's ENTRYPOINT does: `node src/main.ts` in /app/apps/<name>. */
function startService(
  appRoot: string,
  service: Service['name'],
  env: Record<string, string>,
): Started {
  const child = spawn(node, ['src/main.ts'], {
    cwd: join(appRoot, 'apps', service),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    exited,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`${service} did not exit within ${STOP_TIMEOUT_MS} ms`)),
          STOP_TIMEOUT_MS,
        ).unref(),
      );
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

async function status(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return undefined;
  }
}

describe('each service image', () => {
  it.each(SERVICES.map((s) => [s.name, s] as const))(
    '%s starts from its pruned tree, turns healthy and ready, and exits 0 on SIGTERM',
    async (name, service) => {
      const database = await createTestDatabase();
      const redis = await createTestRedis();
      const port = await freePort();
      const mailbox = mkdtempSync(join(workDir, 'mailbox-'));
      // Only what the container would get: the image's HERALD_APP, the stores, the port.
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        HERALD_APP: name,
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        HERALD_REDIS_NAMESPACE: redis.namespace,
        ...(service.stage
          ? { OPS_HOST: '127.0.0.1', OPS_PORT: String(port) }
          : {
              HERALD_HTTP_HOST: '127.0.0.1',
              HERALD_HTTP_PORT: String(port),
              HERALD_API_KEY: 'deploy-test-key-0123456789',
            }),
        ...(name === 'sender' ? { HERALD_MAILBOX_DIR: mailbox } : {}),
      };
      const { appRoot } = image(name);
      const started = startService(appRoot, name, env);
      const healthcheck = () =>
        run([node, join(appRoot, 'deploy', 'healthcheck.ts')], join(appRoot, 'apps', name), env);
      try {
        const failedEarly = started.exited.then((code) => {
          throw new Error(`${name} exited with ${code} before it was ready:\n${started.output()}`);
        });
        await Promise.race([
          failedEarly,
          waitFor(
            `${name} /readyz`,
            async () => (await status(`http://127.0.0.1:${port}/readyz`)) === 200,
            {
              timeoutMs: 30_000,
            },
          ),
        ]);
        expect(await status(`http://127.0.0.1:${port}/healthz`)).toBe(200);
        // The image's HEALTHCHECK command, as Docker runs it.
        expect(await healthcheck()).toBe(`http://127.0.0.1:${port}/readyz 200\n`);

        expect(await started.stop(), started.output()).toBe(0);
        await expect(healthcheck()).rejects.toThrow(/failed \(1\)/);
      } finally {
        await started.stop().catch(() => {});
        await redis.close();
        await database.drop();
      }
    },
    60_000,
  );
});
