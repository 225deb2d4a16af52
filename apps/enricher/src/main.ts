import { isConfigFileError } from '@herald/config';
import { loadEnvOrExit } from '@herald/runtime';
import { runStageService } from '@herald/stage';
import { WazuhApiClient } from '@herald/wazuh';
import { CachedAgentDirectory } from './cache.ts';
import { EnricherEnv } from './env.ts';
import { createEnrichHandler, type AgentDirectory } from './handler.ts';
import { loadConfiguredInventory } from './inventory-load.ts';

const env = loadEnvOrExit(EnricherEnv);
// Read once at start: a bad config file or inventory stops the service before it takes work.
const inventory = await loadConfiguredInventory(env.HERALD_CONFIG, process.env).catch(
  (err: unknown) => {
    if (!isConfigFileError(err)) throw err;
    // No logger yet, as for a bad variable: plain text naming file, line and column.
    process.stderr.write(`invalid configuration:\n${err.message}\n`);
    process.exit(1);
  },
);

await runStageService({
  service: 'enricher',
  stage: 'enrich',
  env,
  createHandler: ({ logger, redis, breakers }) => {
    if (inventory) {
      logger.info(
        { inventory: inventory.file, entries: inventory.entries.length },
        'asset inventory loaded',
      );
    }
    if (!env.WAZUH_API_URL || !env.WAZUH_API_USER || !env.WAZUH_API_PASSWORD) {
      logger.info('WAZUH_API_URL not set: agent details come from the alerts alone');
      // Without the Wazuh API nothing outside Herald is called: one transaction per batch.
      return { ...createEnrichHandler({ logger, inventory }), claimsInCommit: true };
    }
    // The URL may carry user:password@; logs and metric names get only where it points.
    const apiUrl = new URL(env.WAZUH_API_URL);
    if (env.WAZUH_API_INSECURE) {
      logger.warn(
        { api: apiUrl.origin },
        'WAZUH_API_INSECURE is set: the API certificate is not verified',
      );
    }
    const breaker = breakers().get(`wazuh-api:${apiUrl.host}`);
    const client = new WazuhApiClient({
      baseUrl: env.WAZUH_API_URL,
      username: env.WAZUH_API_USER,
      password: env.WAZUH_API_PASSWORD,
      timeoutMs: env.WAZUH_API_TIMEOUT_MS,
      insecureSkipVerify: env.WAZUH_API_INSECURE,
      ...(env.WAZUH_API_CA_FILE ? { caFile: env.WAZUH_API_CA_FILE } : {}),
      guard: breaker,
    });
    const directory: AgentDirectory = new CachedAgentDirectory({
      directory: client,
      redis,
      namespace: env.HERALD_REDIS_NAMESPACE,
      ttlMs: env.HERALD_AGENT_CACHE_TTL_MS,
      unknownTtlMs: env.HERALD_AGENT_CACHE_UNKNOWN_TTL_MS,
      onLookupError: (err, agents) =>
        logger.warn(
          { err, agents },
          'wazuh api unavailable, enriching from the alert and the cache',
        ),
      onCacheError: (err) => logger.warn({ err }, 'agent cache unavailable, asking the wazuh api'),
    });
    const handler = createEnrichHandler({ directory, inventory, logger });
    return { ...handler, close: () => client.close() };
  },
});
