import type { Enrichment, Priority } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';
import { describe, expect, it } from 'vitest';
import { analyzeAlert } from './analyze.ts';
import { corpusAlert, makeAlert } from './testing/fixtures.ts';

// The golden cases of analyze.golden.test.ts, as the inventory and the Wazuh API would
// enrich them.

interface EnrichedExpected {
  priority: Priority;
  /** Phrases "why it matters" must contain: the enriched facts. */
  why: string[];
  /** Phrases the next steps (joined) must contain. */
  steps: string[];
}

// The same alerts as the inventory and the Wazuh API would enrich them: owner, team, role
// tags, agent groups and OS. The priority moves with the asset's criticality; the text
// names whose machine it is and what it is for.
const ENRICHED: {
  name: string;
  alert: () => WazuhAlert;
  enrichment: Enrichment;
  expected: EnrichedExpected;
}[] = [
  {
    // The cardholder data read on a host of the cardholder data environment: medium.
    name: 'sudo on a critical cardholder-data host (line 25)',
    alert: () => corpusAlert(25),
    enrichment: {
      kind: 'agent',
      agent: {
        id: '031',
        name: 'CentOS',
        ip: '192.168.56.4',
        os: { name: 'CentOS Linux', version: '7.9' },
        groups: ['default', 'pci-cde'],
      },
      asset: {
        criticality: 'critical',
        owner: 'dana',
        team: 'payments',
        tags: ['pci', 'cardholder-data'],
      },
      sources: ['alert', 'wazuh-api', 'inventory'],
      missing: [],
    },
    expected: {
      priority: 'medium',
      why: [
        'critical importance',
        'dana (team payments)',
        'tagged pci and cardholder-data',
        'agent group pci-cde',
      ],
      steps: ['dana (team payments)'],
    },
  },
  {
    // The CVSS 10 mail client on a critical machine: patch today.
    name: 'CVSS 10 vulnerability on a critical workstation (line 9)',
    alert: () => corpusAlert(9),
    enrichment: {
      kind: 'agent',
      agent: {
        id: '003',
        name: 'Windows',
        ip: '10.0.1.102',
        os: { name: 'Microsoft Windows 10 Pro', version: '10.0.19045' },
      },
      asset: { criticality: 'critical', owner: 'cfo-office', team: 'finance', tags: ['executive'] },
      sources: ['alert', 'wazuh-api', 'inventory'],
      missing: [],
    },
    expected: {
      priority: 'high',
      why: ['critical importance', 'cfo-office (team finance)', 'executive'],
      steps: [],
    },
  },
  {
    // One failed root login from the internet: low on any server, medium on a critical one.
    name: 'failed root SSH login on a critical server (line 15)',
    alert: () => corpusAlert(15),
    enrichment: {
      kind: 'agent',
      agent: {
        id: '005',
        name: 'Centos',
        ip: '10.0.1.175',
        os: { name: 'CentOS Linux', version: '7.9' },
        groups: ['default', 'bastion'],
      },
      asset: {
        criticality: 'critical',
        owner: 'ops-oncall',
        team: 'infrastructure',
        tags: ['bastion', 'internet-facing'],
      },
      sources: ['alert', 'wazuh-api', 'inventory'],
      missing: [],
    },
    expected: {
      priority: 'medium',
      why: ['ops-oncall (team infrastructure)', 'internet-facing', 'agent group bastion'],
      steps: [],
    },
  },
  {
    // /etc/hosts changed on a lab machine the inventory rates low: still worth a look, low.
    name: '/etc/hosts modified on a low-importance lab machine (line 14)',
    alert: () => corpusAlert(14),
    enrichment: {
      kind: 'agent',
      agent: { name: 'RHEL7', os: { name: 'Red Hat Enterprise Linux', version: '7.9' } },
      asset: { criticality: 'low', owner: 'lab-team', tags: ['lab'] },
      sources: ['alert', 'inventory'],
      missing: [],
    },
    expected: {
      priority: 'low',
      why: ['low importance', 'lab-team', 'tagged lab'],
      steps: ['Ask lab-team, who owns RHEL7'],
    },
  },
  {
    // A custom rule no family knows: the fallback still names the owner and the role.
    name: 'a custom rule of no known family on a high-importance server',
    alert: () =>
      makeAlert(
        {
          level: 8,
          id: '100210',
          description: 'Payment gateway reported repeated settlement errors',
        },
        {
          agent: { id: '041', name: 'pay-gw-01', ip: '10.2.0.8' },
          full_log: 'settlement batch 77 failed: upstream timeout',
        },
      ),
    enrichment: {
      kind: 'agent',
      agent: {
        id: '041',
        name: 'pay-gw-01',
        ip: '10.2.0.8',
        os: { name: 'Ubuntu', version: '22.04' },
        groups: ['default', 'payments'],
      },
      asset: { criticality: 'high', owner: 'erin', team: 'payments', tags: ['payment-gateway'] },
      sources: ['alert', 'wazuh-api', 'inventory'],
      missing: [],
    },
    expected: {
      priority: 'medium',
      why: ['high importance', 'erin (team payments)', 'payment-gateway'],
      steps: ['Ask erin (team payments), who owns pay-gw-01'],
    },
  },
];

describe('analyzeAlert with inventory-enriched assets', () => {
  it.each(ENRICHED)('$name', ({ alert, enrichment, expected }) => {
    const analysis = analyzeAlert(alert(), enrichment);

    expect(analysis.priority, analysis.reasons.join('; ')).toBe(expected.priority);
    for (const phrase of expected.why) {
      expect(analysis.whyItMatters).toContain(phrase);
    }
    for (const phrase of expected.steps) {
      expect(analysis.nextSteps.join(' ')).toContain(phrase);
    }
    const os = enrichment.agent.os?.name;
    if (os) {
      expect(`${analysis.title} ${analysis.summary}`).toContain(os);
    }
  });
});
