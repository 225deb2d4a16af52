import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '@herald/testkit';
import { SERVICE_ENV, SERVICE_NODE_OPTIONS } from '../../scripts/service-node-options.mjs';
import { DOCKERFILE_COMMANDS } from './src/image-build.ts';
import { DOCKERFILE, DOCKERIGNORE } from './src/files.ts';

const text = readFileSync(DOCKERFILE, 'utf8');
const dockerfile = DockerfileParser.parse(text);

/** The instructions of one stage, after its FROM, as `KEYWORD args` (flags kept for COPY). */
function stage(name: string): string[] {
  const froms = dockerfile.getFROMs();
  const index = froms.findIndex((from) => from.getBuildStage() === name);
  if (index < 0) throw new Error(`the Dockerfile has no stage ${name}`);
  const start = froms[index]?.getRange().start.line ?? 0;
  const end = froms[index + 1]?.getRange().start.line ?? Number.POSITIVE_INFINITY;
  return dockerfile
    .getInstructions()
    .filter((instruction) => {
      const line = instruction.getRange().start.line;
      return line > start && line < end;
    })
    .map(describeInstruction);
}

function describeInstruction(instruction: Instruction): string {
  const keyword = instruction.getKeyword();
  const args = instruction.getArgumentsContent() ?? '';
  const from = /--from=(\S+)/.exec(instruction.getTextContent())?.[1];
  return from ? `${keyword} --from=${from} ${args}` : `${keyword} ${args}`;
}

function argDefault(name: string): string | undefined {
  const arg = dockerfile
    .getInstructions()
    .find((i) => i.getKeyword() === 'ARG' && i.getArgumentsContent()?.startsWith(`${name}=`));
  return arg?.getArgumentsContent()?.slice(name.length + 1);
}

describe('deploy/Dockerfile', () => {
  it("has no problems dockerfile-utils reports (the Docker language server's validator)", () => {
    expect(validate(text)).toEqual([]);
    // ...which does report a broken one.
    expect(
      validate(`${text}\nHEALTHCHECK --intervall=5s CMD true\nEXPOSE port\n`).length,
    ).toBeGreaterThan(0);
  });

  it('builds on Node 24 slim with the pnpm and turbo versions the repository uses', () => {
    expect(argDefault('NODE_IMAGE')).toBe('node:24-slim');
    const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      packageManager: string;
    };
    expect(`pnpm@${argDefault('PNPM_VERSION')}`).toBe(root.packageManager);
    const lock = parse(readFileSync(join(REPO_ROOT, 'pnpm-lock.yaml'), 'utf8')) as {
      importers: Record<string, { devDependencies: Record<string, { version: string }> }>;
    };
    expect(argDefault('TURBO_VERSION')).toBe(lock.importers['.']?.devDependencies.turbo?.version);
  });

  it('runs the prune and install commands that tests/deploy repeats outside Docker', () => {
    expect(stage('pruned')).toEqual([
      'ARG APP',
      'WORKDIR /repo',
      'COPY . .',
      `RUN ${DOCKERFILE_COMMANDS.prune.join(' ')} "\${APP}" /pruned`,
    ]);
    expect(stage('deps')).toEqual([
      'COPY --from=pruned /pruned/runtime/json/ ./',
      `RUN ${DOCKERFILE_COMMANDS.installProd.join(' ')}`,
      'COPY --from=pruned /pruned/runtime/full/ ./',
    ]);
  });

  it('final images take only the production tree, run as a numeric non-root user, with node as PID 1', () => {
    for (const name of ['app', 'migrate']) {
      const instructions = stage(name);
      expect(
        instructions.filter((i) => i.startsWith('COPY')),
        name,
      ).toEqual(['COPY --from=deps /app /app']);
      expect(instructions, name).toContain('USER 1000:1000');
      const entrypoint =
        instructions.find((i) => i.startsWith('ENTRYPOINT '))?.slice('ENTRYPOINT '.length) ?? '';
      // Exec form: no shell between Docker and Node, so SIGTERM reaches Node.
      expect((JSON.parse(entrypoint) as string[])[0], name).toBe('node');
    }
    expect(stage('app')).toContain('ENTRYPOINT ["node", "src/main.ts"]');
    // The heap sizes and environment npm start, the bench and the fault suite run them with.
    expect(stage('app')).toEqual(
      expect.arrayContaining([
        `ENV NODE_OPTIONS="${SERVICE_NODE_OPTIONS.join(' ')}"`,
        ...Object.entries(SERVICE_ENV).map(([name, value]) => `ENV ${name}=${value}`),
      ]),
    );
    expect(stage('app')).toContain('WORKDIR /app/apps/${APP}');
    expect(stage('migrate')).toContain('ENTRYPOINT ["node", "src/cli.ts"]');
    expect(stage('migrate')).toContain('CMD ["migrate"]');
    const runtimeFrom = dockerfile.getFROMs().find((from) => from.getBuildStage() === 'runtime');
    expect(runtimeFrom?.getImageName()).toBe('${NODE_IMAGE}');
  });

  it('checks health with node itself, the slim image having no curl', () => {
    const healthcheck = stage('app').find((i) => i.startsWith('HEALTHCHECK'));
    expect(healthcheck).toMatch(/CMD \["node", "\/app\/deploy\/healthcheck\.ts"\]$/);
    expect(stage('migrate')).toContain('HEALTHCHECK NONE');
  });

  it('.dockerignore keeps installed, generated and secret files out of the build context', () => {
    const patterns = readFileSync(DOCKERIGNORE, 'utf8')
      .split('\n')
      .map((line) => line.trim());
    for (const pattern of [
      '**/node_modules',
      '.git',
      'packages/db/src/generated',
      '.env',
      '.env.*',
      '.tools',
    ]) {
      expect(patterns).toContain(pattern);
    }
  });
});
