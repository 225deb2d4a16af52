// The bench is not a workspace package, so it borrows the clients the workspace already
// installed, resolved from the packages that depend on them (the same versions Herald runs).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/toolchain.mjs';

const fromTestkit = createRequire(join(repoRoot, 'packages/testkit/package.json'));
const fromIngest = createRequire(join(repoRoot, 'apps/ingest-api/package.json'));

/** ioredis's Redis class. */
export function loadRedis() {
  return fromTestkit('ioredis').Redis;
}

/** node-postgres. */
export function loadPg() {
  return fromTestkit('pg');
}

/** The path of the fastify package Herald's ingest-api uses, for the bare reference server. */
export function fastifyPath() {
  return fromIngest.resolve('fastify');
}
