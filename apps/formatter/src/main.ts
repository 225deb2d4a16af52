import { loadEnvOrExit } from '@herald/runtime';
import { runStageService } from '@herald/stage';
import { FormatterEnv } from './env.ts';
import { createFormatHandler } from './handler.ts';
import type { Receiver } from './receivers.ts';

const env = loadEnvOrExit(FormatterEnv);

const receivers = new Map<string, Receiver>([
  [
    env.HERALD_DEFAULT_RECEIVER,
    { name: env.HERALD_DEFAULT_RECEIVER, channel: 'email', from: env.HERALD_MAIL_FROM, to: env.HERALD_MAIL_TO },
  ],
]);

await runStageService({
  service: 'formatter',
  stage: 'format',
  env,
  createHandler: () => createFormatHandler({ receivers, publicUrl: env.HERALD_PUBLIC_URL }),
});
