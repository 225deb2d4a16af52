import { loadEnvOrExit } from '@herald/runtime';
import { runStageService } from '@herald/stage';
import { AnalyzerEnv } from './env.ts';
import { createAnalyzeHandler } from './handler.ts';

const env = loadEnvOrExit(AnalyzerEnv);

await runStageService({
  service: 'analyzer',
  stage: 'analyze',
  env,
  createHandler: () =>
    createAnalyzeHandler({
      minLevel: env.HERALD_NOTIFY_MIN_LEVEL,
      defaultReceiver: env.HERALD_DEFAULT_RECEIVER,
    }),
});
