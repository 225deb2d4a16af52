import type { WazuhAlert } from '@herald/wazuh';
import { describe, expect, it } from 'vitest';
import { classifyAlert } from './classify.ts';
import { corpusAlert, makeAlert, toAlert } from './testing/fixtures.ts';

/** The alert as a publisher trims it: no groups, decoder or location. */
function trimmed(alert: WazuhAlert): WazuhAlert {
  const { decoder: _decoder, location: _location, predecoder: _predecoder, ...rest } = alert;
  const { groups: _groups, ...rule } = alert.rule;
  return toAlert({ ...rest, rule });
}

/** Only the rule: what is left when everything but rule id and level is gone. */
function ruleOnly(id: string, level = 5): WazuhAlert {
  return makeAlert({ level, id }, { agent: undefined });
}

describe('classifyAlert', () => {
  it('decides by rule groups when the alert has them', () => {
    expect(classifyAlert(corpusAlert(1))).toEqual({ family: 'authentication', basis: 'groups' });
    expect(classifyAlert(corpusAlert(16))).toEqual({ family: 'web-attack', basis: 'groups' });
    expect(classifyAlert(corpusAlert(21))).toEqual({ family: 'policy', basis: 'groups' });
  });

  it('tells a VirusTotal error (agent health) from a VirusTotal result (malware)', () => {
    expect(classifyAlert(corpusAlert(3)).family).toBe('agent-health');
    expect(classifyAlert(corpusAlert(4)).family).toBe('malware');
    expect(classifyAlert(corpusAlert(5)).family).toBe('malware');
  });

  it('tells a ClamAV detection (malware) from the daemon stopping (agent health)', () => {
    expect(classifyAlert(corpusAlert(7)).family).toBe('malware');
    expect(classifyAlert(corpusAlert(8)).family).toBe('agent-health');
  });

  it('counts only Windows Defender detections as malware, other Defender events as Windows', () => {
    const detection = corpusAlert(6);
    expect(classifyAlert(detection).family).toBe('malware');

    const disabled = structuredClone(detection);
    (disabled.data!['win'] as { system: { eventID: string } }).system.eventID = '5001';
    disabled.rule.id = '62152';
    expect(classifyAlert(toAlert(disabled)).family).toBe('windows-event');
  });

  it('calls an active response an active response, whatever alert triggered it', () => {
    expect(classifyAlert(corpusAlert(20))).toEqual({ family: 'active-response', basis: 'groups' });
  });

  it('falls back on decoder and location for trimmed alerts', () => {
    expect(classifyAlert(corpusAlert(14))).toEqual({ family: 'file-integrity', basis: 'source' });
    expect(classifyAlert(corpusAlert(15))).toEqual({ family: 'authentication', basis: 'source' });
    expect(classifyAlert(corpusAlert(9))).toEqual({ family: 'vulnerability', basis: 'source' });
    expect(classifyAlert(corpusAlert(18))).toEqual({ family: 'agent-health', basis: 'source' });
    expect(classifyAlert(corpusAlert(19))).toEqual({ family: 'agent-health', basis: 'source' });
  });

  it('falls back on data keys when groups, decoder and location are gone', () => {
    const cases: [number, string][] = [
      [3, 'agent-health'],
      [4, 'malware'],
      [2, 'file-integrity'],
      [6, 'malware'],
      [10, 'cloud-audit'],
      [11, 'cloud-audit'],
      [12, 'cloud-audit'],
      [13, 'container'],
      [20, 'active-response'],
      [21, 'policy'],
      [22, 'windows-event'],
    ];
    for (const [line, family] of cases) {
      expect(classifyAlert(trimmed(corpusAlert(line))), `corpus line ${line}`).toEqual({
        family,
        basis: 'data',
      });
    }
  });

  it('falls back on the stock rule id ranges when only the rule is left', () => {
    const cases: [string, string][] = [
      ['5712', 'authentication'],
      ['5402', 'authentication'],
      ['550', 'file-integrity'],
      ['510', 'rootcheck'],
      ['506', 'agent-health'],
      ['87102', 'agent-health'],
      ['52510', 'agent-health'],
      ['52502', 'malware'],
      ['87105', 'malware'],
      ['651', 'active-response'],
      ['23505', 'vulnerability'],
      ['19014', 'policy'],
      ['80202', 'cloud-audit'],
      ['87907', 'container'],
      ['31168', 'web-attack'],
    ];
    for (const [id, family] of cases) {
      expect(classifyAlert(ruleOnly(id)), `rule ${id}`).toEqual({ family, basis: 'rule-id' });
    }
  });

  it('says other, on no evidence, for an alert it cannot place', () => {
    expect(classifyAlert(ruleOnly('100200'))).toEqual({ family: 'other', basis: 'none' });
    const oneAzureKey = makeAlert({ level: 3, id: '100201' }, { data: { OperationName: 'x' } });
    expect(classifyAlert(oneAzureKey).family).toBe('other');
  });

  it('reads the legacy 2.x program name at the top level of the alert', () => {
    const sudo = makeAlert(
      { level: 3, id: '100300' },
      { program_name: 'sudo', full_log: 'sudo: bob : COMMAND=/bin/ls' },
    );
    expect(classifyAlert(sudo)).toEqual({ family: 'authentication', basis: 'source' });
  });
});
