import { describe, expect } from 'vitest';
import type { Redis } from 'ioredis';
import { test } from '@herald/db/testing';
import { encodeMessage, groupName, streamKey } from '@herald/streams';
import { createBackpressureGate, type LagSource } from './backpressure.ts';
import { authed, captureLogger, countAlerts, testApp, unreachableRedis } from './testing.ts';

const alert = {
  timestamp: '2026-12-04T10:00:00.000+0000',
  rule: { level: 7, id: '5716', description: 'sshd: authentication failed.' },
  agent: { id: '002', name: 'db-01' },
  manager: { name: 'wazuh-test' },
  id: '1765000000.42',
};

/** Puts `count` entries in the enrich stream, and creates its group first when asked. */
async function backlog(
  redis: Redis,
  namespace: string,
  count: number,
  { group = true } = {},
): Promise<string> {
  const stream = streamKey(namespace, 'enrich');
  if (group) await redis.xgroup('CREATE', stream, groupName('enrich'), '0', 'MKSTREAM');
  for (let i = 0; i < count; i++) {
    await redis.xadd(stream, '*', ...encodeMessage({ alertId: crypto.randomUUID(), attempt: 0 }));
  }
  return stream;
}

/** A lag source over `redis` that counts the XINFO calls it makes. */
function counting(redis: Redis): LagSource & { xinfoCalls: number } {
  const source = {
    xinfoCalls: 0,
    xinfo(subcommand: 'GROUPS', key: string) {
      source.xinfoCalls++;
      return redis.xinfo(subcommand, key);
    },
    xlen: (key: string) => redis.xlen(key),
  };
  return source;
}

function post(app: ReturnType<typeof testApp>['app']) {
  return app.inject({
    method: 'POST',
    url: '/v1/alerts',
    headers: authed('application/json'),
    payload: alert,
  });
}

describe('POST /v1/alerts under backpressure', () => {
  test('refuses with 503, Retry-After and the lag when the enrich group lags beyond the bound, storing nothing', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const stream = await backlog(redis, namespace, 5);
    const { app, lines, registry } = testApp(
      { db, redis, namespace },
      {},
      { backpressure: { maxEnrichLag: 3, retryAfterSeconds: 7 } },
    );

    const res = await post(app);

    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toEqual({
      error:
        'the pipeline is behind: 5 alerts wait for the enrich stage (limit 3); nothing was stored, retry later',
      lag: 5,
    });
    expect(await countAlerts(db)).toBe(0);
    expect(await redis.xlen(stream)).toBe(5);
    expect(await registry.getSingleMetricAsString('herald_ingest_backpressure_total')).toMatch(
      / 1$/,
    );
    expect(await registry.getSingleMetricAsString('herald_ingest_enrich_lag')).toMatch(/ 5$/);
    expect(lines()).toContainEqual(
      expect.objectContaining({ level: 'warn', status: 503, lag: 5, path: '/v1/alerts' }),
    );
  });

  test('accepts below the bound, and reads the group lag rather than the stream length', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const stream = await backlog(redis, namespace, 5);
    // A worker has read every entry: the stream still holds 5, the group lags by 0.
    await redis.xreadgroup('GROUP', groupName('enrich'), 'w1', 'COUNT', 10, 'STREAMS', stream, '>');
    const { app } = testApp({ db, redis, namespace }, {}, { backpressure: { maxEnrichLag: 3 } });

    const res = await post(app);

    expect(res.statusCode).toBe(202);
    expect(await countAlerts(db)).toBe(1);
  });

  test('falls back to the stream length while no group exists', async ({
    db,
    redis: { redis, namespace },
  }) => {
    await backlog(redis, namespace, 5, { group: false });
    const { app } = testApp({ db, redis, namespace }, {}, { backpressure: { maxEnrichLag: 3 } });

    expect((await post(app)).statusCode).toBe(503);
    expect(await countAlerts(db)).toBe(0);
  });

  test('Redis unreachable for the check: the alert is accepted and stored, with a warning', async ({
    db,
    redis: { namespace },
  }) => {
    const redis = await unreachableRedis();
    const { app, lines } = testApp(
      { db, redis, namespace },
      {},
      { backpressure: { maxEnrichLag: 1 } },
    );
    try {
      const res = await post(app);

      expect(res.statusCode).toBe(202);
      expect(await countAlerts(db)).toBe(1);
      expect(lines()).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: 'reading the enrich lag failed; accepting alerts',
        }),
      );
    } finally {
      redis.disconnect();
    }
  });
});

describe('createBackpressureGate', () => {
  test('reads the lag at most once per interval, shared by concurrent checks', async ({
    redis: { redis, namespace },
  }) => {
    const stream = await backlog(redis, namespace, 2);
    const source = counting(redis);
    let clock = 1_000_000;
    const gate = createBackpressureGate({
      redis: source,
      stream,
      group: groupName('enrich'),
      maxLag: 3,
      checkIntervalMs: 1_000,
      logger: captureLogger().logger,
      now: () => clock,
    });

    const first = await Promise.all(Array.from({ length: 5 }, () => gate.check()));
    expect(first).toEqual(Array.from({ length: 5 }, () => ({ refuse: false })));
    expect(source.xinfoCalls).toBe(1);

    // The backlog grows past the bound, but the cached reading stands until the interval ends.
    await backlog(redis, namespace, 3, { group: false });
    clock += 999;
    expect(await gate.check()).toEqual({ refuse: false });
    expect(source.xinfoCalls).toBe(1);

    clock += 1;
    expect(await gate.check()).toEqual({ refuse: true, lag: 5, maxLag: 3 });
    expect(await gate.check()).toEqual({ refuse: true, lag: 5, maxLag: 3 });
    expect(source.xinfoCalls).toBe(2);
  });

  test('a bound of 0 never reads Redis and never refuses', async ({
    redis: { redis, namespace },
  }) => {
    const stream = await backlog(redis, namespace, 5);
    const source = counting(redis);
    const gate = createBackpressureGate({
      redis: source,
      stream,
      group: groupName('enrich'),
      maxLag: 0,
      checkIntervalMs: 0,
      logger: captureLogger().logger,
    });

    expect(await gate.check()).toEqual({ refuse: false });
    expect(source.xinfoCalls).toBe(0);
  });

  test('a missing stream is no lag', async ({ redis: { redis, namespace } }) => {
    const gate = createBackpressureGate({
      redis,
      stream: streamKey(namespace, 'enrich'),
      group: groupName('enrich'),
      maxLag: 1,
      checkIntervalMs: 0,
      logger: captureLogger().logger,
      onLag: (lag) => expect(lag).toBe(0),
    });
    expect(await gate.check()).toEqual({ refuse: false });
  });
});
