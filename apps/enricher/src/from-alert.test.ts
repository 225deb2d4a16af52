import { describe, expect, it } from 'vitest';
import { loadCorpus } from '@herald/testkit';
import { validateAlert, type WazuhAlert } from '@herald/wazuh';
import { enrichFromAlert } from './from-alert.ts';

function corpusAlert(line: number): WazuhAlert {
  const result = validateAlert(loadCorpus()[line - 1]!.alert);
  if (!result.ok) throw new Error(`corpus line ${line} is invalid`);
  return result.alert;
}

describe('enrichFromAlert', () => {
  it('reads a regular agent from the alert', () => {
    expect(enrichFromAlert(corpusAlert(2))).toEqual({
      kind: 'agent',
      agent: { id: '010', name: 'Ubuntu', ip: '10.0.2.15' },
      sources: ['alert'],
      missing: [],
    });
  });

  it('recognises the manager itself (agent 000, no ip)', () => {
    const enrichment = enrichFromAlert(corpusAlert(1));
    expect(enrichment.kind).toBe('manager');
    expect(enrichment.agent).toEqual({ id: '000', name: 'localhost.localdomain' });
  });

  it('handles agentless and source-less alerts', () => {
    const base = { timestamp: 't', rule: { level: 3, id: '1', description: 'd' } };
    expect(enrichFromAlert({ ...base, agentless: { host: 'router-1' } })).toMatchObject({
      kind: 'agentless',
      agent: { name: 'router-1' },
    });
    expect(enrichFromAlert(base)).toMatchObject({ kind: 'unknown', agent: {} });
  });

  it('gives every corpus alert an enrichment', () => {
    for (const { line } of loadCorpus()) {
      expect(['agent', 'manager'], `line ${line}`).toContain(enrichFromAlert(corpusAlert(line)).kind);
    }
  });
});
