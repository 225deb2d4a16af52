import type { AlertFamily, Priority } from '@herald/contracts';
import { describe, expect, it } from 'vitest';
import { analyzeAlert } from './analyze.ts';
import { corpusAlerts, enrichmentFromAlert } from './testing/fixtures.ts';

interface Expected {
  family: AlertFamily;
  priority: Priority;
  /** Phrases the title must contain: the facts a reader needs at a glance. */
  title: string[];
  /** Phrases the summary must contain. */
  summary: string[];
}

// One entry per corpus line, written from reading each alert as a SOC analyst would
// triage it (corpus/SOURCES.md describes the lines). Enrichment is what the alert alone
// gives: no asset criticality, so no priority here is raised or lowered by the inventory.
const GOLDEN: Record<number, Expected> = {
  // Brute force against the Wazuh manager itself: high, not critical, as no login succeeded.
  1: {
    family: 'authentication',
    priority: 'high',
    title: ['SSH brute force', 'localhost.localdomain', '172.17.1.1'],
    summary: ['baduser', 'does not exist'],
  },
  // A new empty file; the name alone is no evidence.
  2: {
    family: 'file-integrity',
    priority: 'low',
    title: ['/media/user/software/suspicious-file.exe', 'added', 'Ubuntu'],
    summary: ['empty'],
  },
  // Level 3, but malware checking is silently off until the key is fixed: low, not info.
  3: {
    family: 'agent-health',
    priority: 'low',
    title: ['VirusTotal', 'localhost.localdomain'],
    summary: ['credentials', '403'],
  },
  4: {
    family: 'malware',
    priority: 'info',
    title: ['suspicious-file10.exe', 'no threat', 'Ubuntu'],
    summary: ['da39a3ee5e6b4b0d3255bfef95601890afd80709', '60'],
  },
  // A confirmed detection on an agent of unknown importance: high. EICAR is a test file,
  // but nothing in the alert says the test was planned.
  5: {
    family: 'malware',
    priority: 'high',
    title: ['66 of 68', 'eicar.com', 'Ubuntu'],
    summary: ['3395856ce81f2b7382dee72602f798b642f14140'],
  },
  6: {
    family: 'malware',
    priority: 'high',
    title: ['Virus:DOS/EICAR_Test_File', 'Windows_11'],
    summary: ['Windows Defender', 'Severe', 'Internet'],
  },
  // Wazuh gives ClamAV's FOUND only level 8, yet it is the same fact as Defender's level 12
  // detection: malware present on the disk. Same priority.
  7: {
    family: 'malware',
    priority: 'high',
    title: ['Win.Test.EICAR_HDB-1', '/home/ubuntu/eicar.com', 'ip-172-31-44-227'],
    summary: ['44d88612fea8a8f36de82e1278abb02f'],
  },
  // The antivirus daemon stopping is about the health of a protection tool, not a
  // detection; low because updates and restarts stop it routinely.
  8: {
    family: 'agent-health',
    priority: 'low',
    title: ['ClamAV', 'ip-172-31-44-227'],
    summary: ['Clamd stopped'],
  },
  // Revisited: CVSS 10 and reachable through mail, so not low; but it is a missing patch
  // with no sign of exploitation, handled within the critical-vulnerability patch window
  // (days), not by waking someone: medium. On an asset the inventory rates high or critical
  // it becomes high (see the inventory cases below).
  9: {
    family: 'vulnerability',
    priority: 'medium',
    title: ['CVE-2020-12395', 'Mozilla Thunderbird', 'Windows'],
    summary: ['High', 'less than 68.8.0'],
  },
  // A CloudFormation deployment deleting a security group: routine change.
  10: {
    family: 'cloud-audit',
    priority: 'info',
    title: ['AWS', 'example.user', 'DeleteSecurityGroup'],
    summary: ['1234567890', 'cloudformation.amazonaws.com'],
  },
  // A custom rule at level 10 saying the caller IP is on a malicious list; the trimmed
  // alert has no groups or MITRE to add to that, so medium: triage the same day.
  11: {
    family: 'cloud-audit',
    priority: 'medium',
    title: ['Google Cloud', 'user@example.com', 'io.k8s.core.v1.pods.list'],
    summary: ['198.51.100.195', 'gke-audit-logs', 'allowed'],
  },
  12: {
    family: 'cloud-audit',
    priority: 'info',
    title: ['Azure', 'user@example.com', 'Microsoft.Compute/virtualMachines/start/action'],
    summary: ['203.0.113.225', 'WazuhGroup'],
  },
  // Reading /etc/passwd in a container looks like reconnaissance, but docker exec is daily
  // admin work and Wazuh rates it 3; the title shows the command so a reader can judge.
  13: {
    family: 'container',
    priority: 'info',
    title: ['cat /etc/passwd', 'nginx_container', 'RHEL7'],
    summary: ['nginx'],
  },
  14: {
    family: 'file-integrity',
    priority: 'medium',
    title: ['/etc/hosts', 'modified', 'RHEL7'],
    summary: ['/usr/bin/vim', 'ads.example.net'],
  },
  // One failed root password from the internet: background noise on any SSH server.
  15: {
    family: 'authentication',
    priority: 'low',
    title: ['Failed SSH login', 'root', 'Centos', '203.0.113.13'],
    summary: ['Failed password'],
  },
  16: {
    family: 'web-attack',
    priority: 'critical',
    title: ['Shellshock', 'linux-agent', '192.168.56.3'],
    summary: ['CVE-2014-6271', '200'],
  },
  // A trojaned system binary would be critical, but this rootcheck signature is known to
  // misfire (BusyBox builds); fired 34 times, it needs checking, not waking someone up.
  17: {
    family: 'rootcheck',
    priority: 'medium',
    title: ['/usr/bin/md5sum', 'Alpine-fix'],
    summary: ['Trojaned'],
  },
  18: {
    family: 'agent-health',
    priority: 'low',
    title: ['linux-agent-01', 'stopped'],
    summary: ['linux-agent-01'],
  },
  // Rule 504 mails by default, but agents disconnect all the time (laptops, reboots).
  19: {
    family: 'agent-health',
    priority: 'info',
    title: ['agent-centos', 'disconnected'],
    summary: ['keep-alive'],
  },
  // A receipt: Wazuh already blocked the address; the sshd alert that triggered it is
  // notified on its own.
  20: {
    family: 'active-response',
    priority: 'info',
    title: ['192.168.2.65', 'linux-target01', 'firewall-drop'],
    summary: ['user1', '5710'],
  },
  // Level 9, but a hardening gap, not an attack in progress: low.
  21: {
    family: 'policy',
    priority: 'low',
    title: ['Enforce password history', 'win-agent-01'],
    summary: ['CIS Microsoft Windows 10 Enterprise Benchmark v1.12.0', 'not applicable'],
  },
  22: {
    family: 'windows-event',
    priority: 'info',
    title: ['FTK Imager', 'win-agent-01'],
    summary: ['MsiInstaller', 'DESKTOP-LAB01'],
  },
  // A boot file on the manager, but only its inode changed: the content is identical
  // (a package rewrite), so low despite the MITRE Impact mapping.
  23: {
    family: 'file-integrity',
    priority: 'low',
    title: ['/boot/efi/EFI/ubuntu/BOOTX64.CSV', 'wazuh-manager-vm'],
    summary: ['inode', 'Wazuh manager'],
  },
  24: {
    family: 'malware',
    priority: 'high',
    title: ['Win.Test.EICAR_HDB-1', 'ip-172-31-44-227'],
    summary: ['~/home/ubuntu/eicar.com', '8 times'],
  },
  // Revisited: sudo is authorized activity (level 3, info on its own), but this command reads
  // a cardholder data file as root. PCI DSS 10.2 wants every access to cardholder data
  // reviewed, so it is for this week's review, not the record only: low. On a host the
  // inventory rates critical (the cardholder data environment) it becomes medium.
  25: {
    family: 'authentication',
    priority: 'low',
    title: ['sudo', 'root', 'CentOS'],
    summary: ['/root/credit_cards/cardholder_data.txt', 'agent'],
  },
};

describe('analyzeAlert over the whole corpus', () => {
  const corpus = corpusAlerts();

  it('has an expectation for every corpus line and no other', () => {
    expect(
      Object.keys(GOLDEN)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(corpus.map(({ line }) => line));
  });

  it.each(corpus)('line $line', ({ line, alert }) => {
    const expected = GOLDEN[line]!;
    const analysis = analyzeAlert(alert, enrichmentFromAlert(alert));

    expect(
      { family: analysis.family, priority: analysis.priority },
      analysis.reasons.join('; '),
    ).toEqual({
      family: expected.family,
      priority: expected.priority,
    });
    for (const phrase of expected.title) {
      expect(analysis.title).toContain(phrase);
    }
    for (const phrase of expected.summary) {
      expect(analysis.summary).toContain(phrase);
    }
  });
});
