import { isConfigFileError } from '@herald/config';
import { defaultReplicaName, loadEnvOrExit } from '@herald/runtime';
import { runStageService } from '@herald/stage';
import { AnalyzerEnv } from './env.ts';
import { RepetitionCounter } from './analysis/repetition.ts';
import { createAnalyzeHandler } from './handler.ts';
import { loadRoutingConfig } from './routing.ts';
import { createLlmExplainer } from './llm/from-env.ts';
import { GroupFlusher, Grouper } from './grouping/index.ts';
import { SilenceCache } from './silences/index.ts';

const env = loadEnvOrExit(AnalyzerEnv);
// Read once at start: a config file with a mistake stops the service before it takes work.
const routing = await loadRoutingConfig(env.HERALD_CONFIG, process.env).catch((err: unknown) => {
  if (!isConfigFileError(err)) throw err;
  // No logger yet, as for a bad variable: plain text naming file, line and column.
  process.stderr.write(`invalid configuration:\n${err.message}\n`);
  process.exit(1);
});

await runStageService({
  service: 'analyzer',
  stage: 'analyze',
  env,
  createHandler: async ({ db, redis, logger, registry, breakers }) => {
    const silences = new SilenceCache({
      db,
      ttlMs: env.HERALD_SILENCE_CACHE_TTL_MS,
      onUnreadable: ({ silenceId, err }) =>
        logger.warn({ err, silenceId }, 'stored silence unreadable, skipped'),
    });
    const grouper = new Grouper({
      db,
      defaults: {
        groupBy: env.HERALD_GROUP_BY,
        groupWaitMs: env.HERALD_GROUP_WAIT,
        groupIntervalMs: env.HERALD_GROUP_INTERVAL,
        repeatIntervalMs: env.HERALD_REPEAT_INTERVAL,
      },
    });
    const flusher = new GroupFlusher({
      db,
      redis,
      redisUrl: env.REDIS_URL,
      namespace: env.HERALD_REDIS_NAMESPACE,
      actor: { service: 'analyzer', replica: env.HERALD_REPLICA ?? defaultReplicaName() },
      scanIntervalMs: env.HERALD_GROUP_FLUSH_INTERVAL_MS,
      scheduleCheckMs: env.HERALD_SWEEP_INTERVAL_MS,
      limit: env.HERALD_BATCH_SIZE,
      hooks: {
        onFlushed: (counts) => logger.info(counts, 'group flush scan did work'),
        onError: (err, during) => logger.warn({ err, during }, 'group flusher error'),
        onRescheduled: () => logger.warn({}, 'group flush schedule was lost and put back'),
      },
    });
    const llm = createLlmExplainer(env, { redis, logger, registry, breakers });
    await flusher.start();
    const handler = createAnalyzeHandler(routing, {
      silences,
      grouper,
      repetition: new RepetitionCounter({
        redis,
        namespace: env.HERALD_REDIS_NAMESPACE,
        windowMs: env.HERALD_REPETITION_WINDOW_MS,
      }),
      ...(llm && { llm }),
    });
    // The handler is closed when the worker stops: the flusher stops with it.
    // A language model is an outside call that may take seconds: only without one is each
    // batch worked in one transaction (grouping and silences use other connections and
    // never lock alert rows).
    return { ...handler, claimsInCommit: llm === undefined, close: () => flusher.stop() };
  },
});
