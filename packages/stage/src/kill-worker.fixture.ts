// A stage worker process that SIGKILLs itself at one point of its first batch, for the
// tests that check what a crash there leaves behind. Settings come from the environment
// the test gives it:
//   KILL_AT=handler       inside the handler, with the batch's alerts claimed or locked and
//                         its results not committed (in-commit.test.ts);
//   KILL_AT=after-commit  right after the commit, before the hand-off to the next stream,
//                         through the worker's test-only fault hook (commit-window.test.ts);
//   KILL_AT=freeze        inside the handler, stops itself (SIGSTOP) instead: a worker that
//                         is paused or cut off, holding what it claimed or locked
//                         (in-commit-freeze.test.ts).
//   CLAIMS_IN_COMMIT=1    works its batches in one transaction.
import { createDatabase } from '@herald/db';
import { createSilentLogger } from '@herald/runtime';
import { connectRedis } from '@herald/streams';
import { StageWorker } from './worker.ts';

const env = process.env as Record<string, string>;
const killInHandler = env.KILL_AT === 'handler' || env.KILL_AT === 'freeze';
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
    // The tests publish their alerts in one pipeline: take them all into one batch.
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
    claimsInCommit: env.CLAIMS_IN_COMMIT === '1',
    async process(alerts) {
      if (killInHandler) {
        process.stdout.write(`working ${alerts.map((alert) => alert.id).join(',')}\n`);
        process.kill(process.pid, env.KILL_AT === 'freeze' ? 'SIGSTOP' : 'SIGKILL');
      }
      return alerts.map((alert) => ({ kind: 'done' as const, id: alert.id }));
    },
  },
  logger: createSilentLogger(),
  faults: killInHandler
    ? {}
    : {
        afterCommit: (committed) => {
          process.stdout.write(`committed ${[...committed].join(',')}\n`);
          process.kill(process.pid, 'SIGKILL');
        },
      },
});
await worker.start();
process.stdout.write('ready\n');
