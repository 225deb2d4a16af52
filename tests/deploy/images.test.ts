// Each image's build steps run outside Docker (no Docker engine runs here), then the result
// runs as the image would, as an unprivileged user: the migration image migrates an empty
// database; each service starts from its pruned tree against the test PostgreSQL and Redis,
// answers its health checks and exits 0 on SIGTERM; the five together deliver an alert; and
// the four that read the configuration file load it as Kubernetes and compose mount it.
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  createTestRedis,
  freePort,
  loadCorpus,
  REPO_ROOT,
  testServers,
  waitFor,
} from '@herald/testkit';
import { IMAGE_TARGETS, type ImageTarget } from '../../deploy/docker/prune.ts';
import {
  CONFIG_FILE_CONFIGMAP,
  CONFIG_SECRETS,
  configReaders,
  writeConfigMapFolder,
} from './src/config-file.ts';
import { objectsOfKind } from './src/files.ts';
import { buildImage, run, type BuiltImage, type RunAs } from './src/image-build.ts';
import {
  containerEnv,
  httpStatus,
  startService,
  TEST_API_KEY,
  waitUntilReady,
  type StartedService,
} from './src/service-process.ts';
import { SERVICES } from './src/services.ts';

const BUILD_TIMEOUT_MS = 180_000;

const workDir = mkdtempSync(join(tmpdir(), 'herald-images-'));
// The images run as an unprivileged user on a read-only root filesystem. Run as root (CI
// is), the built trees are owned by root, so running as `nobody` proves a service neither
// needs to be root nor writes into its own tree. Run as another user, that user is as close
// as the machine allows.
const UNPRIVILEGED: RunAs = process.getuid?.() === 0 ? { uid: 65_534, gid: 65_534 } : {};
chmodSync(workDir, 0o755);
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
  // All six in parallel: most of the time is pnpm linking from the store, which overlaps
  // well even on two cores.
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
      expect(existsSync(join(appRoot, 'packages', 'db', 'src', 'generated'))).toBe(false);

      const installed = installedPackages(appRoot);
      // Test runner, the root's tools and Prisma (schema and migration tooling, no run-time
      // client) are dev dependencies: absent after --prod.
      for (const devOnly of ['vitest@', 'vite@', 'turbo@', 'prettier@', 'prisma@', '@prisma+']) {
        expect(
          installed.filter((name) => name.startsWith(devOnly)),
          devOnly,
        ).toEqual([]);
      }
      // The image's manifests do name them, so the check above can fail.
      const db = JSON.parse(
        readFileSync(join(appRoot, 'packages', 'db', 'package.json'), 'utf8'),
      ) as { devDependencies: Record<string, string> };
      expect(Object.keys(db.devDependencies)).toEqual(
        expect.arrayContaining(['vitest', 'prisma', '@prisma/client']),
      );
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
      const migrated = await run([node, 'src/cli.ts', 'migrate'], cwd, env, UNPRIVILEGED); // ENTRYPOINT + CMD
      expect(migrated).toMatch(/^applied \d{14}_\w+/);
      expect(await run([node, 'src/cli.ts', 'status'], cwd, env, UNPRIVILEGED)).toBe(
        'up to date\n',
      );
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});

/** A folder the unprivileged services may write to, as the image's mailbox volume is. */
function writableFolder(prefix: string): string {
  const dir = mkdtempSync(join(workDir, prefix));
  if (UNPRIVILEGED.uid !== undefined) chownSync(dir, UNPRIVILEGED.uid, UNPRIVILEGED.gid ?? -1);
  return dir;
}

describe('each service image', () => {
  it.each(SERVICES.map((s) => [s.name, s] as const))(
    '%s starts from its pruned tree, turns healthy and ready, and exits 0 on SIGTERM',
    async (name, service) => {
      const database = await createTestDatabase();
      const redis = await createTestRedis();
      const env = containerEnv(
        service,
        { databaseUrl: database.url, redisUrl: redis.url, namespace: redis.namespace },
        await freePort(),
        writableFolder('mailbox-'),
      );
      const { appRoot } = image(name);
      const started = startService(node, appRoot, service, env, UNPRIVILEGED);
      const healthcheck = () =>
        run([node, join(appRoot, 'deploy', 'healthcheck.ts')], join(appRoot, 'apps', name), env);
      try {
        await waitUntilReady(started);
        expect(await httpStatus(`http://127.0.0.1:${started.port}/healthz`)).toBe(200);
        // The image's HEALTHCHECK command, as Docker runs it.
        expect(await healthcheck()).toBe(`http://127.0.0.1:${started.port}/readyz 200\n`);

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

describe('the five service images together', () => {
  it('deliver a real Wazuh alert from POST to the mailbox', async () => {
    const database = await createTestDatabase();
    const redis = await createTestRedis();
    const stores = { databaseUrl: database.url, redisUrl: redis.url, namespace: redis.namespace };
    const mailbox = writableFolder('pipeline-mailbox-');
    const running: StartedService[] = [];
    try {
      for (const service of SERVICES) {
        const env = containerEnv(service, stores, await freePort(), mailbox);
        running.push(startService(node, image(service.name).appRoot, service, env, UNPRIVILEGED));
      }
      await Promise.all(running.map(waitUntilReady));

      const [sample] = loadCorpus();
      const ingest = running.find((started) => started.name === 'ingest-api') as StartedService;
      const response = await fetch(`http://127.0.0.1:${ingest.port}/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
        body: sample?.raw,
      });
      expect(response.status).toBe(202);
      const { accepted } = (await response.json()) as { accepted: { id: string }[] };
      const alertId = accepted[0]?.id;

      const eml = await waitFor("the alert's message in the mailbox", () =>
        readdirSync(mailbox).find((file) => file.endsWith('.eml')),
      );
      // Header names are case-insensitive; the mail composer writes this one as ...-ID.
      expect(readFileSync(join(mailbox, eml), 'utf8')).toMatch(
        new RegExp(`^X-Herald-Alert-Id: ${alertId}\\r?$`, 'im'),
      );
      for (const started of running) expect(await started.stop(), started.output()).toBe(0);
    } finally {
      await Promise.all(running.map((started) => started.stop().catch(() => {})));
      await redis.close();
      await database.drop();
    }
  }, 90_000);
});

describe('the four stage images with the configuration file', () => {
  it('load it from a folder laid out as its ConfigMap volume, the Secret template as environment', async () => {
    const configMap = objectsOfKind('ConfigMap').find(
      (map) => map.metadata.name === CONFIG_FILE_CONFIGMAP,
    );
    const secret = objectsOfKind('Secret').find((found) => found.metadata.name === CONFIG_SECRETS);
    const folder = writeConfigMapFolder(configMap?.data ?? {}, join(workDir, 'config-file'));
    const database = await createTestDatabase();
    const redis = await createTestRedis();
    const stores = { databaseUrl: database.url, redisUrl: redis.url, namespace: redis.namespace };
    const mailbox = writableFolder('config-mailbox-');
    const running: StartedService[] = [];
    try {
      for (const service of configReaders()) {
        const env = {
          ...containerEnv(service, stores, await freePort(), mailbox),
          ...secret?.stringData,
          HERALD_CONFIG: join(folder, 'herald.yaml'),
        };
        running.push(startService(node, image(service.name).appRoot, service, env, UNPRIVILEGED));
      }
      // Each of them exits 1 at start on a config file it cannot read or resolve.
      await Promise.all(running.map(waitUntilReady));
      const sender = running.find((started) => started.name === 'sender') as StartedService;
      expect(sender.output()).toMatch(
        /"receivers":\["soc-email","soc-slack","oncall-pagerduty"\].*"receivers loaded"/,
      );
      for (const started of running) expect(await started.stop(), started.output()).toBe(0);
    } finally {
      await Promise.all(running.map((started) => started.stop().catch(() => {})));
      await redis.close();
      await database.drop();
    }
  }, 90_000);
});
