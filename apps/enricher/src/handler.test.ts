import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '@herald/breaker';
import type { ClaimedAlert } from '@herald/db';
import { createSilentLogger } from '@herald/runtime';
import { loadCorpus } from '@herald/testkit';
import { WazuhApiClient } from '@herald/wazuh';
import { startFakeWazuhApi, type FakeWazuhApi } from '@herald/wazuh/testing';
import { createEnrichHandler } from './handler.ts';

const logger = createSilentLogger();
const context = { logger, signal: new AbortController().signal };

function claimed(line: number, id = `00000000-0000-4000-8000-${String(line).padStart(12, '0')}`): ClaimedAlert {
  return { id, claimedFrom: 'new', attempt: 1, retries: 0, lastError: null, body: loadCorpus()[line - 1]!.alert, enrichment: null, analysis: null };
}

const ubuntu = {
  id: '010',
  name: 'Ubuntu',
  ip: '10.0.2.15',
  status: 'active',
  os: { name: 'Ubuntu', platform: 'ubuntu', version: '22.04.1 LTS', arch: 'x86_64' },
  version: 'Wazuh v4.14.0',
  node_name: 'node01',
  group: ['default', 'web'],
  lastKeepAlive: '2026-12-04T10:00:00Z',
};

let api: FakeWazuhApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('enrich handler', () => {
  it('without a directory, enriches from the alert alone', async () => {
    const [result] = await createEnrichHandler({ logger }).process([claimed(2)], context);
    expect(result).toMatchObject({ kind: 'done', enrichment: { kind: 'agent', sources: ['alert'], missing: [] } });
  });

  it('adds OS, groups, status and keepalive from the Wazuh API, one lookup per batch', async () => {
    api = await startFakeWazuhApi({ agents: [ubuntu] });
    const client = new WazuhApiClient({ baseUrl: api.url, username: 'wazuh', password: 'wazuh' });
    const results = await createEnrichHandler({ directory: client, logger }).process(
      [claimed(2), claimed(4), claimed(5)],
      context,
    );
    await client.close();
    for (const result of results) {
      expect(result).toMatchObject({
        kind: 'done',
        enrichment: {
          agent: { id: '010', os: { name: 'Ubuntu', version: '22.04.1 LTS' }, groups: ['default', 'web'], status: 'active' },
          sources: ['alert', 'wazuh-api'],
          missing: [],
        },
      });
    }
    expect(api.requests.filter((r) => r.route === 'agents')).toHaveLength(1);
  });

  it('names an agent the API does not know, and still moves the alert on', async () => {
    api = await startFakeWazuhApi({ agents: [] });
    const client = new WazuhApiClient({ baseUrl: api.url, username: 'wazuh', password: 'wazuh' });
    const [result] = await createEnrichHandler({ directory: client, logger }).process([claimed(2)], context);
    await client.close();
    expect(result).toMatchObject({ kind: 'done', enrichment: { sources: ['alert'] } });
    expect(result?.kind === 'done' && (result.enrichment as { missing: { reason: string }[] }).missing[0]!.reason).toMatch(/^agent 010: /);
  });

  it('degrades to the alert when the API fails, and the breaker opens instead of hammering it', async () => {
    api = await startFakeWazuhApi({ agents: [ubuntu] });
    for (let i = 0; i < 20; i += 1) api.interceptNext('agents', { status: 503, body: { title: 'Service Unavailable' } });
    const breaker = new CircuitBreaker({ name: 'wazuh-api', minimumCalls: 3, failureRateThreshold: 0.5 });
    const client = new WazuhApiClient({ baseUrl: api.url, username: 'wazuh', password: 'wazuh', guard: breaker });
    const handler = createEnrichHandler({ directory: client, logger });
    for (let i = 0; i < 6; i += 1) {
      const [result] = await handler.process([claimed(2)], context);
      expect(result).toMatchObject({ kind: 'done', enrichment: { sources: ['alert'], agent: { name: 'Ubuntu' } } });
      const missing = result?.kind === 'done' ? (result.enrichment as { missing: { source: string }[] }).missing : [];
      expect(missing).toEqual([expect.objectContaining({ source: 'wazuh-api' })]);
    }
    await client.close();
    expect(breaker.state).toBe('open');
    expect(api.requests.filter((r) => r.route === 'agents').length).toBeLessThan(6);
  });

  it('looks the manager up as agent 000 with the agents, and leaves agentless alerts to the alert', async () => {
    api = await startFakeWazuhApi({
      agents: [ubuntu, { id: '000', name: 'localhost.localdomain', ip: '127.0.0.1', status: 'active', os: { name: 'Ubuntu', version: '24.04' }, node_name: 'node01' }],
    });
    const client = new WazuhApiClient({ baseUrl: api.url, username: 'wazuh', password: 'wazuh' });
    const agentless = {
      ...claimed(2, '00000000-0000-4000-8000-0000000000aa'),
      body: { timestamp: '2026-12-04T10:00:00.000+0000', rule: { level: 7, id: '555', description: 'Integrity checksum changed' }, agentless: { host: 'root@switch-01' }, location: '(root@switch-01) ssh_integrity_check_linux' },
    };
    const results = await createEnrichHandler({ directory: client, logger }).process([claimed(1), claimed(2), agentless], context);
    await client.close();

    const byId = new Map(results.map((r) => [r.id, r]));
    expect(byId.get(claimed(1).id)).toMatchObject({
      kind: 'done',
      enrichment: { kind: 'manager', agent: { id: '000', os: { name: 'Ubuntu', version: '24.04' } }, sources: ['alert', 'wazuh-api'], missing: [] },
    });
    expect(byId.get(claimed(2).id)).toMatchObject({ kind: 'done', enrichment: { kind: 'agent', agent: { id: '010' } } });
    expect(byId.get(agentless.id)).toMatchObject({
      kind: 'done',
      enrichment: { kind: 'agentless', agent: { name: 'root@switch-01' }, sources: ['alert'], missing: [] },
    });
    const lookups = api.requests.filter((r) => r.route === 'agents');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.query.get('agents_list')!.split(',').sort()).toEqual(['000', '010']);
  });

  it('moves the alert on when the API answers too slowly, saying it timed out', async () => {
    api = await startFakeWazuhApi({ agents: [ubuntu] });
    const client = new WazuhApiClient({ baseUrl: api.url, username: 'wazuh', password: 'wazuh', timeoutMs: 200 });
    api.interceptNext('agents', { hang: true });

    const [result] = await createEnrichHandler({ directory: client, logger }).process([claimed(2)], context);
    await client.close();

    expect(result).toMatchObject({ kind: 'done', enrichment: { sources: ['alert'], agent: { id: '010', name: 'Ubuntu' } } });
    const missing = result?.kind === 'done' ? (result.enrichment as { missing: { source: string; reason: string }[] }).missing : [];
    expect(missing).toEqual([{ source: 'wazuh-api', reason: expect.stringMatching(/^unavailable: .*no answer within 200 ms/) }]);
  });

  it('fails an alert whose stored body is not a Wazuh alert', async () => {
    const bad = { ...claimed(2), body: { rule: {} } };
    const [result] = await createEnrichHandler({ logger }).process([bad], context);
    expect(result).toMatchObject({ kind: 'fail' });
    expect(result?.kind === 'fail' && result.error).toContain('rule.level');
  });
});
