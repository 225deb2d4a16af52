import { describe, expect, it } from 'vitest';
import { CORPUS_PATH, loadCorpus } from '@herald/testkit';
import { dispatch } from '../dispatch.ts';
import { routeCommand } from './route.ts';
import { SAMPLE_CONFIG, SAMPLE_ENV, captured } from './config-test-support.ts';

// What the shipped sample configuration (config/herald.example.yaml with
// config/inventory.example.yaml) does with every corpus alert on a Wednesday at 11:00 in
// Paris: office hours, so the SOC channel is not muted. Worked out by hand from the files.
const OFFICE_HOURS: Record<number, string[]> = {
  1: ['soc-slack', 'soc-email'], // sshd brute force, level 10, MITRE T1110 (manager: asset high, no pci tag)
  2: ['pci-compliance'], // FIM on Ubuntu (pci-tagged), PCI 11.5, level 5
  3: [], // VirusTotal credentials error, level 3
  4: [], // VirusTotal no positives, level 3
  5: ['pci-compliance', 'soc-slack', 'soc-email'], // VirusTotal malicious, level 12 on a high (not critical) asset
  6: ['soc-slack', 'soc-email'], // Defender, level 12 on Windows_11 (10/8: low)
  7: ['pci-compliance', 'soc-email'], // ClamAV virus, level 8 on 172.31/16 (critical, pci)
  8: ['pci-compliance'], // clamd stopped, level 6, PCI 5.1
  9: ['vuln-tickets', 'soc-slack', 'soc-email'], // CVE-2020-12395, level 10
  10: [], // CloudTrail, level 3
  11: ['soc-slack', 'soc-email'], // GKE malicious origin, level 10
  12: [], // Azure activity, level 3
  13: [], // Docker exec, level 3
  14: ['soc-email'], // FIM who-data, level 7
  15: ['soc-slack'], // sshd failure, level 5, T1110
  16: ['oncall-pagerduty', 'pci-compliance', 'soc-slack', 'soc-email'], // Shellshock, level 15 on critical linux-agent
  17: ['soc-email'], // rootcheck, level 7
  18: ['infra-teams'], // agent stopped (506)
  19: ['infra-teams'], // agent disconnected (504)
  20: ['soc-slack'], // firewall-drop active response
  21: ['soc-email'], // SCA, level 9 on win-agent-01 (medium, no pci tag)
  22: [], // MSI install, level 3
  23: ['soc-email'], // FIM on the manager, level 7 (siem, no pci tag)
  24: ['pci-compliance', 'soc-slack', 'soc-email'], // ClamAV multiple, level 10 on 172.31/16
  25: [], // sudo, level 3, no inventory entry
};

interface Answer {
  place: string;
  receivers: { name: string; route: string; why: string[] }[];
  muted: { receiver?: string }[];
  reason?: string;
}

async function routeCorpus(at: string): Promise<Map<number, Answer>> {
  const run = captured(SAMPLE_ENV);
  const code = await dispatch(
    [routeCommand],
    ['route', 'test', CORPUS_PATH, '--config', SAMPLE_CONFIG, '--at', at, '--json'],
    run.io,
  );
  expect(run.err()).toBe('');
  expect(code).toBe(0);
  const answers = run
    .out()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Answer);
  return new Map(answers.map((answer) => [Number(answer.place.replace('line ', '')), answer]));
}

describe('herald route test over the corpus with the sample configuration', () => {
  it('answers the expected receivers for every corpus alert, with a reason for each', async () => {
    const answers = await routeCorpus('2026-12-02T10:00:00Z');
    expect([...answers.keys()]).toEqual(loadCorpus().map(({ line }) => line));
    for (const [line, answer] of answers) {
      expect(
        answer.receivers.map((r) => r.name),
        `line ${line}`,
      ).toEqual(OFFICE_HOURS[line]);
      for (const receiver of answer.receivers)
        expect(receiver.why.length, `line ${line}`).toBeGreaterThan(0);
      if (answer.receivers.length === 0)
        expect(answer.reason, `line ${line}`).toMatch(/^no route matched/);
    }
  });

  it('mutes the SOC channel in quiet hours while pages and mail still go out', async () => {
    // Saturday 03:00 in Paris.
    const answers = await routeCorpus('2026-12-05T02:00:00Z');
    expect(answers.get(16)?.receivers.map((r) => r.name)).toEqual([
      'oncall-pagerduty',
      'pci-compliance',
      'soc-email',
    ]);
    expect(answers.get(16)?.muted.map((m) => m.receiver)).toEqual(['soc-slack']);
    expect(answers.get(1)?.receivers.map((r) => r.name)).toEqual(['soc-email']);
    // Only muted routes matched: nobody, and the reason says it was the quiet hours.
    expect(answers.get(15)?.receivers).toEqual([]);
    expect(answers.get(15)?.reason).toContain("muted: inside mute time interval 'quiet-hours'");
    // Active responses are not muted.
    expect(answers.get(20)?.receivers.map((r) => r.name)).toEqual(['soc-slack']);
  });
});
