import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { waitFor } from './helpers.ts';
import { unfinishedCount, verdict, verdictLine, type Verdict } from './check.ts';
import { derivedAlerts, driveAlerts, type DriveResult } from './driver.ts';
// The package's fake, by path: its `@herald/wazuh/testing` entry also loads vitest.
import { startFakeWazuhApi } from '../../packages/wazuh/src/testing/fake-api.ts';
import { loadCorpusAlerts } from './helpers.ts';
import { startFaultProxy } from './proxy.ts';
import { startPrivateServers, type PrivateServers } from './servers.ts';
import { SERVICE_NAMES, startServices, type UnexpectedExit } from './services.ts';
import { startFaultSmtp, type SmtpMode } from './smtp.ts';

export interface FaultSuiteOptions {
  alerts: number;
  /** How long alerts are driven and faults injected. */
  durationMs: number;
  /** SIGKILLs of each of the five services. */
  killsPerService: number;
  /** Bound on the wait, after the faults, for every accepted alert to reach a final state. */
  settleMs: number;
  seed: number;
  log(line: string): void;
}

export interface FaultSuiteResult {
  /** Replays the kill schedule: pass it back as `seed`. */
  seed: number;
  verdict: Verdict;
  line: string;
  drive: DriveResult;
  faults: string[];
  unexpectedExits: UnexpectedExit[];
  stopCodes: Record<string, number | string>;
  /** Undefined when every accepted alert reached a final state in time. */
  settleError?: string;
  /** Kept (with every service's log) when the run failed; removed otherwise. */
  workDir: string;
  passed: boolean;
}

/** The agents the corpus alerts name, as the Wazuh API would describe them. */
function corpusAgents(): Record<string, unknown>[] {
  const agents = new Map<string, Record<string, unknown>>();
  for (const alert of loadCorpusAlerts()) {
    const agent = alert.agent as { id?: string; name?: string; ip?: string } | undefined;
    if (!agent?.id || agent.id === '000') continue;
    agents.set(agent.id, {
      id: agent.id,
      name: agent.name,
      ip: agent.ip ?? '10.0.0.1',
      status: 'active',
    });
  }
  return [...agents.values()];
}

/** A small seeded PRNG (mulberry32), so a run's schedule can be replayed from its seed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Fault {
  at: number;
  name: string;
  run(): Promise<void>;
}

/**
 * Runs the whole system under faults and checks every accepted alert against the SMTP
 * server. Everything it starts listens on 127.0.0.1 and is stopped before it returns.
 */
export async function runFaultSuite(options: FaultSuiteOptions): Promise<FaultSuiteResult> {
  const random = seededRandom(options.seed);
  const servers = await startPrivateServers();
  options.log(`work folder ${servers.workDir}, seed ${options.seed}`);
  // What to stop, newest first, if the run throws before its own orderly stop.
  const cleanup: (() => Promise<unknown>)[] = [() => servers.stop()];
  try {
    return await faultRun(options, random, servers, cleanup);
  } catch (err) {
    for (const step of cleanup.reverse()) await step().catch(() => {});
    throw err;
  }
}

async function faultRun(
  options: FaultSuiteOptions,
  random: () => number,
  servers: PrivateServers,
  cleanup: (() => Promise<unknown>)[],
): Promise<FaultSuiteResult> {
  const proxy = await startFaultProxy({ host: '127.0.0.1', port: servers.redisPort });
  cleanup.push(() => proxy.close());
  const smtp = await startFaultSmtp();
  cleanup.push(() => smtp.close());
  const wazuh = await startFakeWazuhApi({ agents: corpusAgents() });
  cleanup.push(() => wazuh.close());
  const wazuhProxy = await startFaultProxy({
    host: '127.0.0.1',
    port: Number(new URL(wazuh.url).port),
  });
  cleanup.push(() => wazuhProxy.close());
  const pool = new pg.Pool({ connectionString: servers.databaseUrl, max: 2 });
  pool.on('error', () => {});
  cleanup.push(() => pool.end());
  const services = await startServices({
    databaseUrl: servers.databaseUrl,
    redisUrl: servers.redisUrl,
    workerRedisUrl: `redis://127.0.0.1:${proxy.port}`,
    logDir: join(servers.workDir, 'logs'),
    env: {
      HERALD_BLOCK_MS: '200',
      HERALD_CLAIM_TIMEOUT_MS: '3000',
      HERALD_HANDLER_TIMEOUT_MS: '15000',
      HERALD_RECLAIM_IDLE_MS: '1500',
      HERALD_RECLAIM_INTERVAL_MS: '300',
      HERALD_SWEEP_INTERVAL_MS: '500',
      HERALD_HANDOFF_GRACE_MS: '2000',
      HERALD_SHUTDOWN_TIMEOUT_MS: '5000',
      HERALD_RETRY_BASE_MS: '200',
      HERALD_RETRY_MAX_MS: '2000',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_SECURITY: 'none',
      SMTP_TIMEOUT_MS: '2000',
      HERALD_DESTINATION_RETRY_MS: '1000',
      HERALD_BREAKER_WINDOW_MS: '5000',
      HERALD_BREAKER_OPEN_MS: '2000',
      WAZUH_API_URL: `http://127.0.0.1:${wazuhProxy.port}`,
      WAZUH_API_USER: 'wazuh',
      WAZUH_API_PASSWORD: 'wazuh',
      WAZUH_API_TIMEOUT_MS: '1500',
    },
  });
  cleanup.push(() => services.stop());

  const faults: string[] = [];
  const started = Date.now();
  const window = options.durationMs;
  const smtpFault = (mode: SmtpMode, ms: number) => async () => {
    smtp.setMode(mode);
    await sleep(ms);
    smtp.setMode('accept');
  };
  const schedule: Fault[] = [
    { at: 0.2, name: 'smtp refuses (421) for 3 s', run: smtpFault('refuse-421', 3000) },
    { at: 0.3, name: 'redis restart (SIGTERM, same AOF)', run: () => servers.restartRedis() },
    {
      at: 0.4,
      name: 'proxy drops worker connections, refuses 3 s',
      run: async () => proxy.drop(3000),
    },
    {
      at: 0.5,
      name: 'postgres restart (fast stop, 2 s down)',
      run: () => servers.restartPostgres(2000),
    },
    { at: 0.55, name: 'smtp refuses (451 to RCPT) for 1.5 s', run: smtpFault('refuse-451', 1500) },
    {
      at: 0.62,
      name: 'redis FLUSHALL',
      run: async () => {
        const redis = new Redis(servers.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
        try {
          await redis.connect();
          await redis.flushall();
        } finally {
          redis.disconnect();
        }
      },
    },
    { at: 0.7, name: 'smtp hangs after DATA for 5 s', run: smtpFault('hang', 5000) },
    {
      at: 0.25,
      name: 'wazuh API answers 503 to the next 10 agent lookups',
      run: async () => {
        for (let i = 0; i < 10; i += 1) wazuh.interceptNext('agents', { status: 503, body: {} });
      },
    },
    {
      at: 0.45,
      name: 'wazuh API hangs for 4 s',
      run: async () => {
        wazuhProxy.hang(4000);
        wazuhProxy.drop();
        await sleep(4000);
      },
    },
    {
      at: 0.8,
      name: 'proxy drops worker connections, refuses 2 s',
      run: async () => proxy.drop(2000),
    },
  ].map((fault) => ({ ...fault, at: fault.at * window }));
  for (const name of SERVICE_NAMES) {
    for (let k = 0; k < options.killsPerService; k += 1) {
      const downMs = 100 + Math.floor(random() * 1400);
      schedule.push({
        at: (0.05 + random() * 0.85) * window,
        name: `SIGKILL ${name}, down ${downMs} ms`,
        run: () => services.killAndRestart(name, downMs),
      });
    }
  }
  schedule.sort((a, b) => a.at - b.at);

  async function injectFaults(): Promise<void> {
    for (const fault of schedule) {
      const wait = started + fault.at - Date.now();
      if (wait > 0) await sleep(wait);
      const t = ((Date.now() - started) / 1000).toFixed(1);
      options.log(`t=${t}s ${fault.name}`);
      try {
        await fault.run();
        faults.push(`t=${t}s ${fault.name}`);
      } catch (err) {
        faults.push(`t=${t}s ${fault.name} FAILED: ${err instanceof Error ? err.message : err}`);
      }
    }
  }

  const runId = `fault-${options.seed}-${Date.now()}`;
  const [drive] = await Promise.all([
    driveAlerts({
      apiUrl: services.apiUrl,
      apiKey: services.apiKey,
      alerts: derivedAlerts(runId, options.alerts),
      batchSize: 20,
      spreadMs: window * 0.85,
      batchDeadlineMs: 60_000,
    }),
    injectFaults(),
  ]);
  smtp.setMode('accept');
  options.log(
    `driven: ${drive.accepted.size} accepted, ${drive.retries} requests retried, ` +
      `${drive.failedBatches.length} batches never accepted; waiting for final states`,
  );

  const ids = [...drive.accepted.values()];
  let settleError: string | undefined;
  await waitFor(
    'every accepted alert in a final state',
    async () => (await unfinishedCount(pool, ids)) === 0,
    {
      timeoutMs: options.settleMs,
      intervalMs: 500,
    },
  ).catch(async (err: unknown) => {
    const left = await unfinishedCount(pool, ids).catch(() => -1);
    settleError = `${err instanceof Error ? err.message : err}; ${left} alerts unfinished`;
  });
  // A message the sender is handing over as the last state commits.
  await sleep(1000);
  const result = await verdict(pool, drive.accepted, smtp.received, started);
  const stopCodes = await services.stop();
  await pool.end();
  await wazuhProxy.close();
  await wazuh.close();
  await proxy.close();
  await smtp.close();
  await servers.stop();
  const passed =
    result.lost === 0 &&
    result.duplicates === 0 &&
    drive.failedBatches.length === 0 &&
    settleError === undefined;
  // Logs are evidence when a service died on its own, even if no alert suffered.
  if (passed && services.unexpectedExits.length === 0) {
    rmSync(servers.workDir, { recursive: true, force: true });
  }
  return {
    seed: options.seed,
    verdict: result,
    line: verdictLine(result),
    drive,
    faults,
    unexpectedExits: services.unexpectedExits,
    stopCodes,
    settleError,
    workDir: servers.workDir,
    passed,
  };
}
