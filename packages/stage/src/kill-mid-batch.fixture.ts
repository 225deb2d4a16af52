// A stage worker process for in-commit.test.ts: it works its batches in one transaction
// (claimsInCommit) and SIGKILLs itself inside the handler, with the batch's alerts locked
// and nothing committed. Settings come from the environment the test gives it.
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
    // The test publishes its alerts in one pipeline: take them all into one batch.
    readLingerMs: 500,
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
    claimsInCommit: true,
    async process(alerts) {
      process.stdout.write(`working ${alerts.map((alert) => alert.id).join(',')}\n`);
      process.kill(process.pid, 'SIGKILL');
      return [];
    },
  },
  logger: createSilentLogger(),
});
await worker.start();
process.stdout.write('ready\n');
