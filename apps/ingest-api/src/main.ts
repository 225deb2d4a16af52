import {
  createLogger,
  createMetricsRegistry,
  defaultReplicaName,
  runService,
} from '@herald/runtime';
import { loadEnv, type IngestEnv } from './env.ts';
import { startIngestApi } from './server.ts';

// The configuration is read before the logger exists, since it sets the log level and the
// replica name. A bad configuration is rethrown inside runService, so it is reported like
// any failed start: one JSON line naming each bad variable, then exit code 1.
let env: IngestEnv | undefined;
let configError: unknown;
try {
  env = loadEnv();
} catch (err) {
  configError = err;
}

const replica = env?.HERALD_REPLICA ?? defaultReplicaName();
const logger = createLogger({ service: 'ingest-api', replica, level: env?.LOG_LEVEL });

await runService(
  logger,
  async () => {
    if (!env) {
      throw configError;
    }
    return startIngestApi(env, logger, { registry: createMetricsRegistry('ingest-api'), replica });
  },
  { shutdownTimeoutMs: env?.HERALD_SHUTDOWN_TIMEOUT_MS },
);
