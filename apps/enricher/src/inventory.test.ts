import { describe, expect, it } from 'vitest';
import { parseInventory } from '@herald/config';
import type { Enrichment } from '@herald/contracts';
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
