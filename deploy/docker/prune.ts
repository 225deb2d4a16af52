// Prunes the workspace to what one Herald image needs, for deploy/Dockerfile and for the
// tests that repeat the image build outside Docker (tests/deploy).
//
//   node deploy/docker/prune.ts <ingest-api|enricher|analyzer|formatter|sender|migrate> <out-dir>
//
// Writes into <out-dir>:
//   json/, full/           `turbo prune --docker` of the target: manifests and lockfile first
//                          (cached install layer), then the sources.
//   runtime/json/, runtime/full/
//                          the same without the workspace packages the target reaches only
//                          through devDependencies (@herald/testkit, which would bring vitest
//                          into the image) and without test files: what the final image holds
//                          once `pnpm install --prod` ran.
//
// Workspace packages stay folders with symlinks into them (never copies under
// node_modules): Node refuses to strip types from files whose real path is in node_modules,
// which is why `pnpm deploy` cannot be used for apps that run their TypeScript directly.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The apps an image can run, and the migration image's target. */
export const IMAGE_TARGETS = [
  'ingest-api',
  'enricher',
  'analyzer',
  'formatter',
  'sender',
  'migrate',
] as const;
export type ImageTarget = (typeof IMAGE_TARGETS)[number];

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The workspace package an image target is built from. */
export function packageOf(target: ImageTarget): string {
  return target === 'migrate' ? '@herald/db' : `@herald/${target}`;
}

function isImageTarget(value: string | undefined): value is ImageTarget {
  return IMAGE_TARGETS.some((target) => target === value);
}

interface WorkspacePackage {
  name: string;
  dir: string;
  dependencies: Record<string, string>;
}

function readPackages(root: string): WorkspacePackage[] {
  const packages: WorkspacePackage[] = [];
  for (const group of readdirSync(root, { withFileTypes: true })) {
    if (!group.isDirectory() || group.name === 'node_modules') continue;
    for (const entry of readdirSync(join(root, group.name), { withFileTypes: true })) {
      const manifest = join(root, group.name, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(manifest)) continue;
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        optionalDependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      packages.push({
        name: json.name,
        dir: join(group.name, entry.name),
        dependencies: {
          ...json.peerDependencies,
          ...json.optionalDependencies,
          ...json.dependencies,
        },
      });
    }
  }
  return packages;
}

/**
 * The folders of workspace packages that `packageName` does not reach through run-time
 * dependencies (dependencies, optional and peer dependencies), relative to `root`.
 */
export function devOnlyPackageDirs(root: string, packageName: string): string[] {
  const packages = readPackages(root);
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const needed = new Set<string>();
  const queue = [packageName];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    const pkg = byName.get(name);
    if (!pkg || needed.has(name)) continue;
    needed.add(name);
    for (const [dependency, range] of Object.entries(pkg.dependencies)) {
      if (range.startsWith('workspace:')) queue.push(dependency);
    }
  }
  if (!needed.has(packageName)) {
    throw new Error(`${packageName} is not in the pruned workspace at ${root}`);
  }
  return packages.filter((pkg) => !needed.has(pkg.name)).map((pkg) => pkg.dir);
}

function removeTestFiles(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') removeTestFiles(path);
    } else if (entry.name.endsWith('.test.ts')) {
      rmSync(path);
    }
  }
}

/** Runs `turbo prune --docker` for `target` and writes the build and runtime trees. */
export function prune(target: ImageTarget, outDir: string, repoRoot: string = REPO_ROOT): void {
  rmSync(outDir, { recursive: true, force: true });
  const packageName = packageOf(target);
  const turbo = spawnSync('turbo', ['prune', packageName, '--docker', '--out-dir', outDir], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
  });
  if (turbo.status !== 0) {
    throw new Error(
      `turbo prune ${packageName} failed (${turbo.error?.message ?? `exit ${turbo.status}`})`,
    );
  }

  const devOnly = devOnlyPackageDirs(join(outDir, 'json'), packageName);
  for (const part of ['json', 'full']) {
    const runtimePart = join(outDir, 'runtime', part);
    mkdirSync(runtimePart, { recursive: true });
    cpSync(join(outDir, part), runtimePart, { recursive: true, verbatimSymlinks: true });
    for (const dir of devOnly) rmSync(join(runtimePart, dir), { recursive: true, force: true });
  }
  removeTestFiles(join(outDir, 'runtime', 'full'));
  if (target !== 'migrate') {
    cpSync(
      join(repoRoot, 'deploy', 'docker', 'healthcheck.ts'),
      join(outDir, 'runtime', 'full', 'deploy', 'healthcheck.ts'),
    );
  }
  process.stdout.write(
    `pruned ${packageName} into ${relative(process.cwd(), outDir) || '.'}` +
      (devOnly.length > 0 ? ` (runtime without ${devOnly.join(', ')})` : '') +
      '\n',
  );
}

const invokedDirectly = process.argv[1] === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const [target, outDir] = process.argv.slice(2);
  if (!isImageTarget(target) || !outDir) {
    process.stderr.write(
      `usage: node deploy/docker/prune.ts <${IMAGE_TARGETS.join('|')}> <out-dir>\n` +
        `got target ${JSON.stringify(target ?? '')}: set the APP build argument to one of those\n`,
    );
    process.exit(2);
  }
  prune(target, outDir);
}
