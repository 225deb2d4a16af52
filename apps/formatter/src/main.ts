import { configFromEnv, loadConfig } from '@herald/config';
import { loadEnvOrExit } from '@herald/runtime';
import { runStageService } from '@herald/stage';
import { FormatterEnv } from './env.ts';
import { createFormatHandler } from './handler.ts';
import { receiversFromConfig } from './receivers.ts';

const env = loadEnvOrExit(FormatterEnv);

await runStageService({
  service: 'formatter',
  stage: 'format',
  env,
  createHandler: async () => {
    // The same file the analyzer routes with and the sender delivers by; without one, the
    // variables describe a single email receiver.
    const config = env.HERALD_CONFIG
      ? await loadConfig(env.HERALD_CONFIG, { env: process.env })
      : configFromEnv(process.env);
    const receivers = receiversFromConfig(config.receivers, { mailFrom: env.HERALD_MAIL_FROM });
    // Rendering calls nothing outside PostgreSQL: each batch is worked in one transaction.
    return {
      ...createFormatHandler({ receivers, publicUrl: env.HERALD_PUBLIC_URL }),
      claimsInCommit: true,
    };
  },
});
