// `prisma generate` never runs the native schema engine, but the Prisma 7 CLI insists on
// downloading it first, from a host this project's machines cannot reach. Pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips the download (see README).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
