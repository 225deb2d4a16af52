import { afterEach, describe, expect, it } from 'vitest';
import { parseInventory } from '@herald/config';
import type { Enrichment } from '@herald/contracts';
import type { ClaimedAlert } from '@herald/db';
import { createSilentLogger } from '@herald/runtime';
import { loadCorpus } from '@herald/testkit';
import { WazuhApiClient } from '@herald/wazuh';
import { startFakeWazuhApi, type FakeWazuhApi } from '@herald/wazuh/testing';
import { createEnrichHandler } from './handler.ts';
import { applyInventory } from './inventory.ts';

const inventory = parseInventory(
  `assets:
  - name: Ubuntu
    criticality: critical
    owner: Dana
    team: payments
    tags: [pci]
  - group: web
    criticality: high
`,
  'inventory.yaml',
);

const base = (agent: Enrichment['agent']): Enrichment => ({
  kind: 'agent',
  agent,
  sources: ['alert'],
  missing: [],
});

describe('applyInventory', () => {
  it('fills asset from the first matching entry and lists inventory as a source', () => {
    expect(applyInventory(base({ id: '010', name: 'Ubuntu', ip: '10.0.2.15' }), inventory)).toEqual(
      {
        kind: 'agent',
        agent: { id: '010', name: 'Ubuntu', ip: '10.0.2.15' },
        asset: { criticality: 'critical', owner: 'Dana', team: 'payments', tags: ['pci'] },
        sources: ['alert', 'inventory'],
        missing: [],
      },
    );
  });

  it('matches on agent groups the Wazuh API gave', () => {
    expect(
      applyInventory(base({ name: 'front-1', groups: ['default', 'web'] }), inventory).asset,
    ).toEqual({ criticality: 'high' });
  });

  it('leaves an agent the inventory does not know as it was', () => {
    const enrichment = base({ name: 'laptop' });
    expect(applyInventory(enrichment, inventory)).toBe(enrichment);
  });
});

describe('enrich handler with an inventory', () => {
  const logger = createSilentLogger();
  const context = { logger, signal: new AbortController().signal };
  let api: FakeWazuhApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('matches inventory entries on the agent groups the Wazuh API gave', async () => {
    api = await startFakeWazuhApi({
      agents: [{ id: '010', name: 'Ubuntu', ip: '10.0.2.15', group: ['default', 'web'] }],
    });
    const client = new WazuhApiClient({ baseUrl: api.url, username: 'wazuh', password: 'wazuh' });
    const byGroup = parseInventory(
      'assets:\n  - group: web\n    criticality: high\n    team: web\n',
      'inventory.yaml',
    );
    const alert: ClaimedAlert = {
      id: '00000000-0000-4000-8000-000000000002',
      claimedFrom: 'new',
      attempt: 1,
      retries: 0,
      lastError: null,
      body: loadCorpus()[1]!.alert,
      enrichment: null,
      analysis: null,
    };
    const [result] = await createEnrichHandler({
      directory: client,
      inventory: byGroup,
      logger,
    }).process([alert], context);
    await client.close();
    expect(result).toMatchObject({
      kind: 'done',
      enrichment: {
        asset: { criticality: 'high', team: 'web' },
        sources: ['alert', 'wazuh-api', 'inventory'],
      },
    });
  });
});
