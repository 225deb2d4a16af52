export { testServers } from './env.ts';
export { createTestDatabase } from './postgres.ts';
export { createTestRedis } from './redis.ts';
export { CORPUS_PATH, loadCorpus } from './corpus.ts';
export { test, type HeraldFixtures } from './fixtures.ts';
export { waitFor } from './wait.ts';
export { REPO_ROOT, startService, type ServiceProcess } from './process.ts';
export { freePort } from './ports.ts';
export { createTestCertificates, hasOpenssl, type TestCertificates } from './certificates.ts';
