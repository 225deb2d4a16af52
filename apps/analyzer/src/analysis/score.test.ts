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
  it("raises a rule that keeps firing on the same machine by Herald's own count, with the window", () => {
    const alert = makeAlert({ level: 5, id: '5710' });
    const enrichment = enrichmentFromAlert(alert);
    const once = scoreAlert(alert, enrichment, 'authentication', { count: 1, windowMs: 3_600_000 });
    const twice = scoreAlert(alert, enrichment, 'authentication', {
      count: 2,
      windowMs: 3_600_000,
    });
    const many = scoreAlert(alert, enrichment, 'authentication', { count: 8, windowMs: 900_000 });
    const flood = scoreAlert(alert, enrichment, 'authentication', {
      count: 500,
      windowMs: 3_600_000,
    });

    expect(once.score).toBe(25);
    expect(twice.score).toBe(25);
    expect(many.score).toBe(31);
    expect(many.reasons).toContain('rule fired 8 times on this machine in the last 15 min (+6)');
    expect(flood.score).toBe(35);
    expect(flood.reasons).toContain('rule fired 500 times on this machine in the last 1 h (+10)');
  });

  it("counts Wazuh's firedtimes or Herald's own count, whichever is larger, never both", () => {
    const alert = makeAlert({ level: 5, id: '5710', firedtimes: 64 });
    const enrichment = enrichmentFromAlert(alert);
    const wazuhLarger = scoreAlert(alert, enrichment, 'other', { count: 4, windowMs: 3_600_000 });
    expect(wazuhLarger.reasons).toEqual(['rule level 5 of 15 (base 25)', 'fired 64 times (+10)']);
    const heraldLarger = scoreAlert(
      makeAlert({ level: 5, id: '5710', firedtimes: 8 }),
      enrichment,
      'other',
      {
        count: 16,
        windowMs: 3_600_000,
      },
    );
    expect(heraldLarger.reasons).toEqual([
      'rule level 5 of 15 (base 25)',
      'rule fired 16 times on this machine in the last 1 h (+9)',
    ]);
  });

  it('adds points for MITRE techniques that mean damage under way, capped', () => {
    const alert = makeAlert({
      level: 6,
      id: '99010',
      mitre: {
        id: ['T1070.001', 'T1486'],
        tactic: [],
        technique: ['Clear Windows Event Logs', 'Data Encrypted for Impact'],
      },
    });
    const result = scoreAlert(alert, enrichmentFromAlert(alert), 'other');
    expect(result.reasons).toEqual([
      'rule level 6 of 15 (base 30)',
      'MITRE technique T1070 Clear Windows Event Logs (+5)',
      'MITRE technique T1486 Data Encrypted for Impact (+5)',
      'MITRE techniques capped at +5 in total',
    ]);
    expect(result.score).toBe(35);
  });

  it('raises a sudo command on cardholder data or keys, not routine sudo', () => {
    const sensitive = corpusAlert(25);
    expect(
      scoreAlert(sensitive, enrichmentFromAlert(sensitive), 'authentication').reasons,
    ).toContain('privileged command on cardholder data, credentials or keys (+15)');
    const routine = corpusAlert(25);
    routine.full_log =
      'Jan  5 14:11:12 centos sudo:   agent : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/systemctl restart nginx';
    const result = scoreAlert(routine, enrichmentFromAlert(routine), 'authentication');
    expect(result).toMatchObject({ score: 15, priority: 'info' });
  });
});
