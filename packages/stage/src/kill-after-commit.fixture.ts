// A stage worker process for commit-window.test.ts: it enriches what it reads, and SIGKILLs
// itself right after its first commit, before publishing to the next stream, through the
// worker's test-only fault hook. Settings come from the environment the test gives it;
// CLAIMS_IN_COMMIT=1 makes it work its batches in one transaction.
import { createDatabase } from '@herald/db';
import { createSilentLogger } from '@herald/runtime';
import { connectRedis } from '@herald/streams';
import { StageWorker } from './worker.ts';

const env = process.env as Record<string, string>;
const db = createDatabase({ url: env.DATABASE_URL! });
const redis = await connectRedis(env.REDIS_URL!, { waitMs: 5_000 });
const worker = new StageWorker({
  stage: 'enrich',
  db,
  redis,
  redisUrl: env.REDIS_URL!,
  namespace: env.HERALD_REDIS_NAMESPACE!,
  actor: { service: 'enricher', replica: 'doomed' },
  settings: {
    batchSize: 50,
    blockMs: 100,
    claimTimeoutMs: 2_000,
    handlerTimeoutMs: 5_000,
    reclaimIdleMs: 60_000,
    reclaimIntervalMs: 60_000,
    maxDeliveries: 3,
    maxAttempts: 3,
    retryBaseMs: 20,
    retryMaxMs: 100,
    sweepIntervalMs: 60_000,
    handoffGraceMs: 60_000,
    sweepLimit: 100,
  },
  handler: {
    claimsInCommit: env.CLAIMS_IN_COMMIT === '1',
    async process(alerts) {
      return alerts.map((alert) => ({ kind: 'done' as const, id: alert.id }));
    },
  },
  logger: createSilentLogger(),
  faults: {
    afterCommit: (committed) => {
      process.stdout.write(`committed ${[...committed].join(',')}\n`);
      process.kill(process.pid, 'SIGKILL');
    },
  },
});
await worker.start();
process.stdout.write('ready\n');
