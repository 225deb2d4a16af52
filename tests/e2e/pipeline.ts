import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startService, waitFor, type ServiceProcess } from '@herald/testkit';

export const SERVICE_NAMES = ['ingest-api', 'enricher', 'analyzer', 'formatter', 'sender'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The five services as separate processes, with every wait shrunk for tests. */
export interface Pipeline {
  apiUrl: string;
  apiKey: string;
  mailboxDir: string;
  services: Map<ServiceName, ServiceProcess>;
  start(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

export async function startPipeline(options: {
  databaseUrl: string;
  redisUrl: string;
  namespace: string;
  env?: Record<string, string>;
}): Promise<Pipeline> {
  const apiKey = 'e2e-test-key-0123456789abcdef';
  const httpPort = await freePort();
  const mailboxDir = mkdtempSync(join(tmpdir(), 'herald-mailbox-'));
  const opsPorts = new Map<ServiceName, number>();
  for (const name of SERVICE_NAMES) {
    if (name !== 'ingest-api') opsPorts.set(name, await freePort());
  }
  const env: Record<string, string> = {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    HERALD_REDIS_NAMESPACE: options.namespace,
    HERALD_API_KEY: apiKey,
    HERALD_HTTP_HOST: '127.0.0.1',
    HERALD_HTTP_PORT: String(httpPort),
    HERALD_MAILBOX_DIR: mailboxDir,
    LOG_LEVEL: 'info',
    HERALD_BLOCK_MS: '200',
    HERALD_CLAIM_TIMEOUT_MS: '3000',
    HERALD_RECLAIM_IDLE_MS: '1500',
    HERALD_RECLAIM_INTERVAL_MS: '300',
    HERALD_SWEEP_INTERVAL_MS: '500',
    HERALD_HANDOFF_GRACE_MS: '2000',
    HERALD_SHUTDOWN_TIMEOUT_MS: '5000',
    // Every alert its own group: these runs count one message per alert. Grouping has its
    // own run (grouping.test.ts), with the default group-by.
    HERALD_GROUP_BY: '...',
    HERALD_GROUP_FLUSH_INTERVAL_MS: '200',
    ...options.env,
  };
  const services = new Map<ServiceName, ServiceProcess>();
  const apiUrl = `http://127.0.0.1:${httpPort}`;

  async function start(name: ServiceName): Promise<void> {
    const opsPort = opsPorts.get(name);
    const service = startService(name, {
      ...env,
      HERALD_REPLICA: `${name}-${services.size}-${Date.now()}`,
      ...(opsPort ? { OPS_HOST: '127.0.0.1', OPS_PORT: String(opsPort) } : {}),
    });
    services.set(name, service);
    const readyUrl = opsPort ? `http://127.0.0.1:${opsPort}/readyz` : `${apiUrl}/readyz`;
    await waitFor(
      `${name} to be ready`,
      async () => {
        if (service.child.exitCode !== null) {
          throw new Error(`${name} exited with ${service.child.exitCode}:\n${service.output()}`);
        }
        const response = await fetch(readyUrl).catch(() => undefined);
        return response?.ok;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  }

  for (const name of SERVICE_NAMES) await start(name);

  return {
    apiUrl,
    apiKey,
    mailboxDir,
    services,
    start,
    async stop() {
      await Promise.all([...services.values()].map((service) => service.kill('SIGTERM')));
    },
  };
}
