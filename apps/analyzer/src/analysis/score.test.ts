import { describe, expect, it } from 'vitest';
import { priorityFor, scoreAlert } from './score.ts';
import { corpusAlert, enrichmentFromAlert, makeAlert } from './testing/fixtures.ts';

describe('priorityFor', () => {
  it('maps each band boundary to its band', () => {
    expect([0, 19, 20, 39, 40, 59, 60, 79, 80, 100].map(priorityFor)).toEqual([
      'info',
      'info',
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
      'critical',
    ]);
  });
});

describe('scoreAlert', () => {
  it('starts from five points per rule level and says so', () => {
    const alert = makeAlert({ level: 7, id: '99001' });
    const result = scoreAlert(alert, enrichmentFromAlert(alert), 'other');
    expect(result).toEqual({
      score: 35,
      priority: 'low',
      reasons: ['rule level 7 of 15 (base 35)'],
    });
  });

  it('says level 16 as such instead of "16 of 15", scoring it as the top of the scale', () => {
    const alert = makeAlert({ level: 16, id: '99002' });
    const result = scoreAlert(alert, enrichmentFromAlert(alert), 'other');
    expect(result.reasons[0]).toBe("rule level 16, above the top of Wazuh's 0-15 scale (base 75)");
  });

  it('raises the priority of the same alert on a critical asset and lowers it on a low one', () => {
    const alert = corpusAlert(15); // failed root login over SSH, low on an unknown asset
    const unknown = scoreAlert(alert, enrichmentFromAlert(alert), 'authentication');
    const critical = scoreAlert(
      alert,
      enrichmentFromAlert(alert, { criticality: 'critical', owner: 'alice' }),
      'authentication',
    );
    const low = scoreAlert(
      alert,
      enrichmentFromAlert(alert, { criticality: 'low' }),
      'authentication',
    );

    expect(unknown.priority).toBe('low');
    expect(critical.priority).toBe('medium');
    expect(critical.score).toBeGreaterThan(unknown.score);
    expect(critical.reasons).toContain('asset criticality critical (x1.4)');
    expect(low.score).toBeLessThan(unknown.score);
    expect(low.reasons).toContain('asset criticality low (x0.8)');
    expect(unknown.reasons.join(' ')).not.toContain('criticality');
  });

  it('leaves a medium-criticality asset unscaled and unmentioned', () => {
    const alert = corpusAlert(15);
    const medium = scoreAlert(
      alert,
      enrichmentFromAlert(alert, { criticality: 'medium' }),
      'authentication',
    );
    expect(medium).toEqual(scoreAlert(alert, enrichmentFromAlert(alert), 'authentication'));
  });

  it('raises the score of a rule that keeps firing, more with more firings', () => {
    const scores = [1, 4, 8, 40, 5_000].map((firedtimes) => {
      const alert = makeAlert({ level: 7, id: '99001', firedtimes });
      return scoreAlert(alert, enrichmentFromAlert(alert), 'other');
    });
    expect(scores.map((s) => s.score)).toEqual([35, 35, 38, 45, 45]);
    expect(scores[3]!.reasons).toContain('fired 40 times (+10)');
    expect(scores[0]!.reasons.join(' ')).not.toContain('fired');
  });

  it('counts the events a correlation rule stands for', () => {
    const alert = makeAlert({ level: 10, id: '5712', frequency: 8 });
    const result = scoreAlert(alert, enrichmentFromAlert(alert), 'authentication');
    expect(result.score).toBe(58);
    expect(result.reasons).toContain('correlates 8 matching events (+8)');
  });

  it('names each MITRE tactic that adds points and caps their sum', () => {
    const one = makeAlert({ level: 5, id: '5716', mitre: { tactic: ['Credential Access'] } });
    expect(scoreAlert(one, enrichmentFromAlert(one), 'authentication').reasons).toContain(
      'MITRE tactic Credential Access (+10)',
    );

    const many = makeAlert({
      level: 5,
      id: '99002',
      mitre: { tactic: ['Impact', 'Execution', 'Persistence', 'Not A Tactic'] },
    });
    const result = scoreAlert(many, enrichmentFromAlert(many), 'other');
    expect(result.score).toBe(25 + 15);
    expect(result.reasons).toEqual([
      'rule level 5 of 15 (base 25)',
      'MITRE tactic Impact (+10)',
      'MITRE tactic Execution (+8)',
      'MITRE tactic Persistence (+8)',
      'MITRE tactics capped at +15 in total',
    ]);
  });

  it('adds points for attack groups and for a login that succeeded after failures', () => {
    const attack = makeAlert({ level: 6, id: '31103', groups: ['web', 'accesslog', 'attack'] });
    expect(scoreAlert(attack, enrichmentFromAlert(attack), 'web-attack').score).toBe(40);

    const success = makeAlert({
      level: 10,
      id: '40112',
      description: 'Multiple authentication failures followed by a success.',
      groups: ['authentication_success'],
    });
    const result = scoreAlert(success, enrichmentFromAlert(success), 'authentication');
    expect(result.score).toBe(65);
    expect(result.reasons).toContain('successful login after repeated failures (+15)');

    const plainSuccess = makeAlert({ level: 3, id: '5715', groups: ['authentication_success'] });
    expect(
      scoreAlert(plainSuccess, enrichmentFromAlert(plainSuccess), 'authentication').score,
    ).toBe(15);
  });

  it('scores a confirmed malware detection at least as a level 12 rule, a clean scan not', () => {
    const found = corpusAlert(7); // ClamAV FOUND, level 8
    const detected = scoreAlert(found, enrichmentFromAlert(found), 'malware');
    expect(detected.score).toBe(60);
    expect(detected.reasons).toContain('confirmed malware detection (scored as level 12, base 60)');

    const clean = corpusAlert(4); // VirusTotal: no positives
    expect(scoreAlert(clean, enrichmentFromAlert(clean), 'malware').score).toBe(15);
  });

  it('lowers configuration findings and file changes that kept the content', () => {
    const sca = corpusAlert(21);
    expect(scoreAlert(sca, enrichmentFromAlert(sca), 'policy').reasons).toContain(
      'configuration check result, not an attack in progress (-15)',
    );

    const inodeOnly = corpusAlert(23);
    const reasons = scoreAlert(inodeOnly, enrichmentFromAlert(inodeOnly), 'file-integrity').reasons;
    expect(reasons).toContain('file content unchanged, only inode changed (-15)');

    const contentChanged = corpusAlert(14);
    const changed = scoreAlert(
      contentChanged,
      enrichmentFromAlert(contentChanged),
      'file-integrity',
    );
    expect(changed.reasons.join(' ')).not.toContain('unchanged');
  });

  it('adds points for the manager itself, but not for the cloud logs it only collects', () => {
    const onManager = makeAlert({ level: 7, id: '99001' }, { agent: { id: '000', name: 'wazuh' } });
    const manager = scoreAlert(onManager, enrichmentFromAlert(onManager), 'other');
    expect(manager.score).toBe(40);
    expect(manager.reasons).toContain('about the Wazuh manager itself (+5)');

    const cloud = corpusAlert(10); // AWS CloudTrail through agent 000
    expect(
      scoreAlert(cloud, enrichmentFromAlert(cloud), 'cloud-audit').reasons.join(' '),
    ).not.toContain('manager');
  });

  it('keeps the score within 0 to 100', () => {
    const top = makeAlert({
      level: 15,
      id: '31168',
      groups: ['attack'],
      frequency: 20,
      firedtimes: 1_000,
      mitre: { tactic: ['Impact', 'Execution'] },
    });
    expect(
      scoreAlert(top, enrichmentFromAlert(top, { criticality: 'critical' }), 'web-attack').score,
    ).toBe(100);

    const bottom = makeAlert({ level: 0, id: '19999', groups: ['sca'] });
    const lowest = scoreAlert(bottom, enrichmentFromAlert(bottom), 'policy');
    expect(lowest).toMatchObject({ score: 0, priority: 'info' });
  });
});
