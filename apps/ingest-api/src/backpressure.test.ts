import { describe, expect } from 'vitest';
import type { Redis } from 'ioredis';
import { test } from '@herald/db/testing';
import { encodeMessage, groupName, streamKey, type StageStream } from '@herald/streams';
import {
  createBackpressureGate,
  pipelineQueues,
  type BackpressureOptions,
  type LagSource,
} from './backpressure.ts';
import { authed, captureLogger, countAlerts, testApp, unreachableRedis } from './testing.ts';

const alert = {
  timestamp: '2026-12-04T10:00:00.000+0000',
  rule: { level: 7, id: '5716', description: 'sshd: authentication failed.' },
  agent: { id: '002', name: 'db-01' },
  manager: { name: 'wazuh-test' },
  id: '1765000000.42',
};

/** Puts `count` entries in `stage`'s stream, and creates its group first when asked. */
async function backlog(
  redis: Redis,
  namespace: string,
  count: number,
  { stage = 'enrich', group = true }: { stage?: StageStream; group?: boolean } = {},
): Promise<string> {
  const stream = streamKey(namespace, stage);
  if (group) await redis.xgroup('CREATE', stream, groupName(stage), '0', 'MKSTREAM');
  for (let i = 0; i < count; i++) {
    await redis.xadd(stream, '*', ...encodeMessage({ alertId: crypto.randomUUID(), attempt: 0 }));
  }
  return stream;
}

/** A worker of `stage` reads every waiting entry: the stream keeps them, the group lags by 0. */
async function drain(redis: Redis, namespace: string, stage: StageStream): Promise<void> {
  const stream = streamKey(namespace, stage);
  await redis.xreadgroup('GROUP', groupName(stage), 'w1', 'COUNT', 1000, 'STREAMS', stream, '>');
}

/** A lag source over `redis` that counts the readings (pipelines sent) it serves. */
function counting(redis: Redis): LagSource & { readings: number } {
  const source = {
    readings: 0,
    pipeline() {
      const pipeline = redis.pipeline();
      const exec = pipeline.exec.bind(pipeline);
      return Object.assign(pipeline, {
        exec() {
          source.readings++;
          return exec();
        },
      });
    },
  };
  return source;
}

/** A gate over every stage of `namespace` with a fresh log; `overrides` replace the rest. */
function gateOver(
  redis: LagSource,
  namespace: string,
  overrides: Partial<BackpressureOptions> = {},
): ReturnType<typeof createBackpressureGate> {
  return createBackpressureGate({
    redis,
    streams: pipelineQueues(namespace),
    maxLag: 3,
    checkIntervalMs: 0,
    logger: captureLogger().logger,
    ...overrides,
  });
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
      { backpressure: { maxPipelineLag: 3, retryAfterSeconds: 7 } },
    );

    const res = await post(app);

    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toEqual({
      error:
        'the pipeline is behind: 5 alerts wait in its stages (limit 3); nothing was stored, retry later',
      lag: 5,
    });
    expect(await countAlerts(db)).toBe(0);
    expect(await redis.xlen(stream)).toBe(5);
    expect(await registry.getSingleMetricAsString('herald_ingest_backpressure_total')).toMatch(
      / 1$/,
    );
    expect(await registry.getSingleMetricAsString('herald_ingest_pipeline_lag')).toMatch(/ 5$/);
    expect(lines()).toContainEqual(
      expect.objectContaining({ level: 'warn', status: 503, lag: 5, path: '/v1/alerts' }),
    );
  });

  test('refuses when the stages together lag beyond the bound though each stays under it, naming the sum', async ({
    db,
    redis: { redis, namespace },
  }) => {
    // The bench's shape: the enricher keeps up, the later stages fall behind.
    await backlog(redis, namespace, 1, { stage: 'enrich' });
    await backlog(redis, namespace, 3, { stage: 'analyze' });
    await backlog(redis, namespace, 2, { stage: 'format' });
    await backlog(redis, namespace, 3, { stage: 'send' });
    const { app, registry } = testApp(
      { db, redis, namespace },
      {},
      { backpressure: { maxPipelineLag: 8 } },
    );

    const res = await post(app);

    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      error:
        'the pipeline is behind: 9 alerts wait in its stages (limit 8); nothing was stored, retry later',
      lag: 9,
    });
    expect(await countAlerts(db)).toBe(0);
    expect(await registry.getSingleMetricAsString('herald_ingest_pipeline_lag')).toMatch(/ 9$/);
  });

  test('accepts below the bound, and reads the group lag rather than the stream length', async ({
    db,
    redis: { redis, namespace },
  }) => {
    await backlog(redis, namespace, 5);
    await drain(redis, namespace, 'enrich');
    const { app } = testApp({ db, redis, namespace }, {}, { backpressure: { maxPipelineLag: 3 } });

    const res = await post(app);

    expect(res.statusCode).toBe(202);
    expect(await countAlerts(db)).toBe(1);
  });

  test('falls back to the stream length while no group exists', async ({
    db,
    redis: { redis, namespace },
  }) => {
    await backlog(redis, namespace, 5, { group: false });
    const { app } = testApp({ db, redis, namespace }, {}, { backpressure: { maxPipelineLag: 3 } });

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
      { backpressure: { maxPipelineLag: 1 } },
    );
    try {
      const res = await post(app);

      expect(res.statusCode).toBe(202);
      expect(await countAlerts(db)).toBe(1);
      expect(lines()).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: 'reading the pipeline lag failed; accepting alerts',
        }),
      );
    } finally {
      redis.disconnect();
    }
  });
});

describe('createBackpressureGate', () => {
  test('reads every stage at most once per interval, shared by concurrent checks', async ({
    redis: { redis, namespace },
  }) => {
    await backlog(redis, namespace, 1, { stage: 'enrich' });
    await backlog(redis, namespace, 1, { stage: 'send' });
    const source = counting(redis);
    let clock = 1_000_000;
    const gate = gateOver(source, namespace, { checkIntervalMs: 1_000, now: () => clock });

    const first = await Promise.all(Array.from({ length: 5 }, () => gate.check()));
    expect(first).toEqual(Array.from({ length: 5 }, () => ({ refuse: false })));
    expect(source.readings).toBe(1);

    // The backlog grows past the bound in two stages, but the cached reading stands until
    // the interval ends.
    await backlog(redis, namespace, 2, { stage: 'analyze', group: false });
    await backlog(redis, namespace, 1, { stage: 'format' });
    clock += 999;
    expect(await gate.check()).toEqual({ refuse: false });
    expect(source.readings).toBe(1);

    clock += 1;
    expect(await gate.check()).toEqual({ refuse: true, lag: 5, maxLag: 3 });
    expect(await gate.check()).toEqual({ refuse: true, lag: 5, maxLag: 3 });
    expect(source.readings).toBe(2);
  });

  test('a missing group falls back to the stream length for that stream only', async ({
    redis: { redis, namespace },
  }) => {
    // Enrich holds 5 entries all delivered (lag 0); analyze has 2 entries and no group yet.
    await backlog(redis, namespace, 5, { stage: 'enrich' });
    await drain(redis, namespace, 'enrich');
    await backlog(redis, namespace, 2, { stage: 'analyze', group: false });
    const read: number[] = [];
    const gate = gateOver(redis, namespace, { maxLag: 1, onLag: (lag) => read.push(lag) });

    expect(await gate.check()).toEqual({ refuse: true, lag: 2, maxLag: 1 });
    expect(read).toEqual([2]);
  });

  test('a bound of 0 never reads Redis and never refuses', async ({
    redis: { redis, namespace },
  }) => {
    await backlog(redis, namespace, 5);
    const source = counting(redis);
    const gate = gateOver(source, namespace, { maxLag: 0 });

    expect(await gate.check()).toEqual({ refuse: false });
    expect(source.readings).toBe(0);
  });

  test('missing streams are no lag', async ({ redis: { redis, namespace } }) => {
    const read: number[] = [];
    const gate = gateOver(redis, namespace, { maxLag: 1, onLag: (lag) => read.push(lag) });

    expect(await gate.check()).toEqual({ refuse: false });
    expect(read).toEqual([0]);
  });

  test('a stream Redis cannot read makes the reading fail: the gate accepts and warns', async ({
    redis: { redis, namespace },
  }) => {
    await backlog(redis, namespace, 5, { stage: 'enrich' });
    // A key of the wrong type answers XINFO with WRONGTYPE, not "no such key".
    await redis.set(streamKey(namespace, 'format'), 'not a stream');
    const { logger, lines } = captureLogger();
    const gate = gateOver(redis, namespace, { logger });

    expect(await gate.check()).toEqual({ refuse: false });
    expect(lines()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'reading the pipeline lag failed; accepting alerts',
      }),
    );
  });
});
