// Runs a command with the project's toolchain first on PATH (Node 24, pnpm), installing
// it when missing: `node scripts/with-tools.mjs pnpm exec turbo run typecheck`.
import { spawnSync } from 'node:child_process';
import { ensureToolchain, repoRoot } from './toolchain.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: node scripts/with-tools.mjs <command> [args...]\n');
  process.exit(2);
}
const toolchain = ensureToolchain();
const [file, fileArgs] = command === 'pnpm' ? [toolchain.node, [toolchain.pnpmEntry, ...args]] : [command, args];
const result = spawnSync(file, fileArgs, { stdio: 'inherit', cwd: repoRoot, env: toolchain.env });
process.exit(result.status ?? 1);
