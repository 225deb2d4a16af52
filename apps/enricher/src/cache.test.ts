import { afterEach, describe, expect } from 'vitest';
import type { ClaimedAlert } from '@herald/db';
import { createSilentLogger } from '@herald/runtime';
import { loadCorpus, test } from '@herald/testkit';
import { WazuhApiClient } from '@herald/wazuh';
import { startFakeWazuhApi, type FakeWazuhApi } from '@herald/wazuh/testing';
import type { Redis } from 'ioredis';
import { CachedAgentDirectory } from './cache.ts';
import { createEnrichHandler } from './handler.ts';

const logger = createSilentLogger();
const context = { logger, signal: new AbortController().signal };

const ubuntu = {
  id: '010',
  name: 'Ubuntu',
  ip: '10.0.2.15',
  status: 'active',
  os: { name: 'Ubuntu', platform: 'ubuntu', version: '22.04.1 LTS', arch: 'x86_64' },
  version: 'Wazuh v4.14.0',
  group: ['default', 'web'],
  lastKeepAlive: '2026-12-04T10:00:00Z',
};

let api: FakeWazuhApi | undefined;
const clients: WazuhApiClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await api?.close();
  api = undefined;
});

/** A corpus alert claimed for enrichment, its agent id replaced when given. */
function claimed(line: number, agentId?: string): ClaimedAlert {
  const body = structuredClone(loadCorpus()[line - 1]!.alert) as { agent?: { id: string } };
  if (agentId && body.agent) {
    body.agent.id = agentId;
  }
  return {
    id: crypto.randomUUID(),
    claimedFrom: 'new',
    attempt: 1,
    retries: 0,
    lastError: null,
    body,
    enrichment: null,
    analysis: null,
  };
}

/** One enricher "replica": its own API client and handler, sharing Redis with the others. */
function replica(
  redis: { redis: Redis; namespace: string },
  ttl = { ttlMs: 60_000, unknownTtlMs: 5_000 },
) {
  const client = new WazuhApiClient({ baseUrl: api!.url, username: 'wazuh', password: 'wazuh' });
  clients.push(client);
  const errors: unknown[] = [];
  const directory = new CachedAgentDirectory({
    directory: client,
    redis: redis.redis,
    namespace: redis.namespace,
    ...ttl,
    onLookupError: (err) => errors.push(err),
  });
  return { handler: createEnrichHandler({ directory, logger }), errors };
}

function agentLookups(): string[][] {
  return api!.requests
    .filter((r) => r.route === 'agents')
    .map((r) => r.query.get('agents_list')!.split(','));
}

describe('CachedAgentDirectory', () => {
  test('two replicas share one API lookup per agent', async ({ redis }) => {
    api = await startFakeWazuhApi({ agents: [ubuntu] });
    const first = replica(redis);
    const second = replica(redis);

    const [a] = await first.handler.process([claimed(2)], context);
    const [b] = await second.handler.process([claimed(4)], context);

    for (const result of [a, b]) {
      expect(result).toMatchObject({
        kind: 'done',
        enrichment: {
          agent: {
            id: '010',
            os: { name: 'Ubuntu' },
            groups: ['default', 'web'],
            status: 'active',
          },
          sources: ['alert', 'wazuh-api'],
        },
      });
    }
    expect(agentLookups()).toEqual([['010']]);
  });

  test('asks the API only for the agents of a batch not in the cache', async ({ redis }) => {
    api = await startFakeWazuhApi({
      agents: [
        ubuntu,
        { ...ubuntu, id: '011', name: 'db-01' },
        { ...ubuntu, id: '012', name: 'db-02' },
      ],
    });
    const { handler } = replica(redis);

    await handler.process([claimed(2, '010')], context);
    const results = await handler.process(
      [claimed(2, '010'), claimed(2, '011'), claimed(2, '012')],
      context,
    );

    expect(agentLookups()).toEqual([['010'], ['011', '012']]);
    expect(
      results.map((r) =>
        r.kind === 'done' ? (r.enrichment as { agent: { name: string } }).agent.name : r.kind,
      ),
    ).toEqual(['Ubuntu', 'db-01', 'db-02']);
  });

  test('remembers an unknown agent for a shorter time, so a flood about it asks once', async ({
    redis,
  }) => {
    api = await startFakeWazuhApi({ agents: [ubuntu] });
    const first = replica(redis);
    const second = replica(redis);

    for (let i = 0; i < 5; i += 1) {
      const [result] = await (i % 2 === 0 ? first : second).handler.process(
        [claimed(2, '099')],
        context,
      );
      expect(result).toMatchObject({
        kind: 'done',
        enrichment: { sources: ['alert'], missing: [{ source: 'wazuh-api' }] },
      });
      const reason =
        result?.kind === 'done'
          ? (result.enrichment as { missing: { reason: string }[] }).missing[0]!.reason
          : '';
      expect(reason).toMatch(/^agent 099: /);
    }
    expect(agentLookups()).toEqual([['099']]);
    const known = await redis.redis.pttl(`{${redis.namespace}}:agent:010`);
    const unknown = await redis.redis.pttl(`{${redis.namespace}}:agent:099`);
    expect(known).toBe(-2);
    expect(unknown).toBeGreaterThan(0);
    expect(unknown).toBeLessThanOrEqual(5_000);
  });

  test('asks again once an entry expired', async ({ redis }) => {
    api = await startFakeWazuhApi({ agents: [ubuntu] });
    const { handler } = replica(redis, { ttlMs: 50, unknownTtlMs: 50 });

    await handler.process([claimed(2)], context);
    await expect
      .poll(() => redis.redis.exists(`{${redis.namespace}}:agent:010`), { timeout: 5_000 })
      .toBe(0);
    await handler.process([claimed(2)], context);

    expect(agentLookups()).toHaveLength(2);
  });

  test('still serves cached agents while the API fails, and names what is missing', async ({
    redis,
  }) => {
    api = await startFakeWazuhApi({ agents: [ubuntu] });
    const { handler, errors } = replica(redis);
    await handler.process([claimed(2)], context);
    api.interceptNext('agents', { status: 503, body: { title: 'Service Unavailable' } });

    const [cached, uncached] = await handler.process([claimed(2), claimed(2, '011')], context);

    expect(cached).toMatchObject({
      kind: 'done',
      enrichment: { agent: { os: { name: 'Ubuntu' } }, missing: [] },
    });
    expect(uncached).toMatchObject({ kind: 'done', enrichment: { sources: ['alert'] } });
    const reason =
      uncached?.kind === 'done'
        ? (uncached.enrichment as { missing: { reason: string }[] }).missing[0]!.reason
        : '';
    expect(reason).toMatch(/^agent 011: unavailable: .*HTTP 503/);
    expect(errors).toHaveLength(1);
  });

  test('goes to the API when Redis fails, instead of holding the alerts', async ({ redis }) => {
    api = await startFakeWazuhApi({ agents: [ubuntu] });
    const broken = redis.redis.duplicate();
    broken.disconnect();
    const cacheErrors: unknown[] = [];
    const client = new WazuhApiClient({ baseUrl: api.url, username: 'wazuh', password: 'wazuh' });
    clients.push(client);
    const directory = new CachedAgentDirectory({
      directory: client,
      redis: broken,
      namespace: redis.namespace,
      ttlMs: 60_000,
      unknownTtlMs: 5_000,
      onCacheError: (err) => cacheErrors.push(err),
    });

    const { agents } = await directory.getAgents(['010']);

    expect(agents.get('010')?.name).toBe('Ubuntu');
    expect(cacheErrors.length).toBeGreaterThanOrEqual(1);
  });
});
