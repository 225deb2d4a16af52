import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { routeAlert } from './route-alert.ts';

const RECEIVERS = `receivers:
  - name: mail
    email: { to: [soc@example.com] }
  - name: slack
    slack: { webhook_url: 'https://hooks.slack.example/T1' }
  - name: pager
    pagerduty: { routing_key: key }
  - name: compliance
    email: { to: [pci@example.com] }
`;

function config(route: string, extra = '') {
  return parseConfig(`${RECEIVERS}${extra}route:\n${route}`, 'herald.yaml', { env: {} });
}

const NOON_UTC = new Date('2026-12-02T12:00:00Z'); // a Wednesday
const alert = (rule: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({
  timestamp: 't',
  rule: { id: '1', description: 'd', ...rule },
  ...rest,
});
const names = (result: { receivers: readonly { name: string }[] }) =>
  result.receivers.map((r) => r.name);

describe('routeAlert', () => {
  const tree = config(`  receiver: mail
  group_by: [rule.id]
  routes:
    - name: critical-assets
      receiver: pager
      matchers: ['rule.level>=12', 'asset.criticality=critical']
      group_wait: 10s
      continue: true
    - name: pci
      receiver: compliance
      matchers: ['rule.pci_dss=~.+']
      continue: true
    - name: high
      receiver: slack
      matchers: ['rule.level>=10']
      routes:
        - name: web-team
          receiver: mail
          matchers: ['agent.groups=web']
    - name: never-tried-after-high
      receiver: pager
      matchers: ['rule.level>=10']
`);

  it('falls back to the root receiver when no route matches, naming what did not hold', () => {
    const result = routeAlert(tree, alert({ level: 3 }), {}, NOON_UTC);
    expect(names(result)).toEqual(['mail']);
    expect(result.receivers[0]?.route).toBe('route');
    expect(result.receivers[0]?.why[0]).toContain(
      'route.routes[2] (high): rule.level>=10 does not hold (rule.level is 3)',
    );
  });

  it('stops at the first matching route unless it says continue', () => {
    const result = routeAlert(
      tree,
      alert({ level: 12, pci_dss: ['10.2.4'] }),
      { asset: { criticality: 'critical' } },
      NOON_UTC,
    );
    // pager (continue) -> compliance (continue) -> slack; the route after `high` is not tried.
    expect(names(result)).toEqual(['pager', 'compliance', 'slack']);
    expect(result.receivers[0]?.why).toEqual([
      'route.routes[0] (critical-assets): rule.level>=12 (rule.level is 12), asset.criticality="critical" (asset.criticality is critical)',
    ]);
    expect(result.receivers[1]?.why).toEqual([
      'route.routes[1] (pci): rule.pci_dss=~".+" (rule.pci_dss is 10.2.4)',
    ]);
  });

  it('goes down to the deepest matching child and explains every step', () => {
    const result = routeAlert(
      tree,
      alert({ level: 10 }),
      { agent: { groups: ['default', 'web'] } },
      NOON_UTC,
    );
    expect(result.receivers).toEqual([
      {
        name: 'mail',
        route: 'route.routes[2].routes[0]',
        why: [
          'route.routes[2] (high): rule.level>=10 (rule.level is 10)',
          'route.routes[2].routes[0] (web-team): agent.groups="web" (agent.groups is default, web)',
        ],
        grouping: {
          groupBy: ['rule.id'],
          groupWaitMs: 0,
          groupIntervalMs: 300_000,
          repeatIntervalMs: 14_400_000,
        },
      },
    ]);
  });

  it('carries each route its own grouping, inherited where it says nothing', () => {
    const result = routeAlert(
      tree,
      alert({ level: 12 }),
      { asset: { criticality: 'critical' } },
      NOON_UTC,
    );
    const byName = new Map(result.receivers.map((r) => [r.name, r.grouping]));
    expect(byName.get('pager')).toMatchObject({ groupBy: ['rule.id'], groupWaitMs: 10_000 });
    expect(byName.get('slack')).toMatchObject({ groupBy: ['rule.id'], groupWaitMs: 0 });
  });

  it('lists a receiver reached twice once, noting the second route', () => {
    const twice = config(`  receiver: mail
  routes:
    - receiver: slack
      matchers: ['rule.level>=5']
      continue: true
    - receiver: slack
      matchers: ['rule.groups=sshd']
`);
    const result = routeAlert(twice, alert({ level: 7, groups: ['sshd'] }), {}, NOON_UTC);
    expect(names(result)).toEqual(['slack']);
    expect(result.receivers[0]?.route).toBe('route.routes[0]');
    expect(result.receivers[0]?.why.at(-1)).toBe('also reached through route.routes[1]');
  });

  it('matches MITRE, compliance tags and any alert field', () => {
    const fields = config(`  receiver: mail
  routes:
    - receiver: pager
      matchers: ['rule.mitre.id=~T1110(\\..*)?', 'rule.mitre.tactic="Credential Access"']
    - receiver: compliance
      matchers: ['rule.gdpr=~.+', 'data.srcip!=""']
`);
    const brute = alert({ level: 10, mitre: { id: ['T1110'], tactic: ['Credential Access'] } });
    expect(names(routeAlert(fields, brute, {}, NOON_UTC))).toEqual(['pager']);
    const gdpr = alert({ level: 5, gdpr: ['IV_35.7.d'] }, { data: { srcip: '192.0.2.7' } });
    expect(names(routeAlert(fields, gdpr, {}, NOON_UTC))).toEqual(['compliance']);
    const gdprNoSource = alert({ level: 5, gdpr: ['IV_35.7.d'] });
    expect(names(routeAlert(fields, gdprNoSource, {}, NOON_UTC))).toEqual(['mail']);
  });

  it('compares numbers as numbers and never matches a missing or non-numeric field', () => {
    const numeric = config(`  receiver: mail
  routes:
    - receiver: pager
      matchers: ['rule.level>9', 'rule.level<=12']
`);
    expect(names(routeAlert(numeric, alert({ level: 10 }), {}, NOON_UTC))).toEqual(['pager']);
    expect(names(routeAlert(numeric, alert({ level: 9 }), {}, NOON_UTC))).toEqual(['mail']);
    expect(names(routeAlert(numeric, alert({ level: 13 }), {}, NOON_UTC))).toEqual(['mail']);
    const missing = config(`  receiver: mail
  routes:
    - receiver: pager
      matchers: ['data.score>=0']
`);
    expect(names(routeAlert(missing, alert({ level: 10 }), {}, NOON_UTC))).toEqual(['mail']);
    expect(
      names(routeAlert(missing, alert({ level: 10 }, { data: { score: 'n/a' } }), {}, NOON_UTC)),
    ).toEqual(['mail']);
    expect(
      names(routeAlert(missing, alert({ level: 10 }, { data: { score: '7.5' } }), {}, NOON_UTC)),
    ).toEqual(['pager']);
  });

  it('says why nobody is told when the root names no receiver', () => {
    const rootless = config(`  routes:
    - receiver: slack
      matchers: ['rule.level>=10']
`);
    const result = routeAlert(rootless, alert({ level: 4 }), {}, NOON_UTC);
    expect(result.receivers).toEqual([]);
    expect(result.reason).toBe(
      'no route matched and the root route names no receiver: route.routes[0]: rule.level>=10 does not hold (rule.level is 4)',
    );
  });

  it('routes by analysis facts when the analyzer passes its result', () => {
    const byPriority = config(`  receiver: mail
  routes:
    - receiver: pager
      matchers: ['analysis.priority=critical']
`);
    expect(
      names(routeAlert(byPriority, alert({ level: 3 }), {}, NOON_UTC, { priority: 'critical' })),
    ).toEqual(['pager']);
    expect(names(routeAlert(byPriority, alert({ level: 3 }), {}, NOON_UTC))).toEqual(['mail']);
  });

  // The explanation is stored on every alert's analysis: a 1 MB full_log seen by several
  // routes must not be copied into it once per route.
  it('quotes long field values in its explanation cut short', () => {
    const byLog = config(`  receiver: mail
  routes:
    - receiver: pager
      matchers: ['full_log=~.*ransom.*']
    - receiver: slack
      matchers: ['full_log=~.*error.*']
`);
    const fullLog = `error ${'x'.repeat(1_000_000)}`;
    const result = routeAlert(byLog, alert({ level: 3 }, { full_log: fullLog }), {}, NOON_UTC);
    expect(names(result)).toEqual(['slack']);
    expect(JSON.stringify(result).length).toBeLessThan(2_000);
    expect(result.receivers[0]?.why[0]).toMatch(/\(full_log is error x+… \(1000006 chars\)\)$/);
    const manyGroups = Array.from({ length: 10_000 }, (_, i) => `g${i}`);
    const byGroup = config(`  receiver: mail
  routes:
    - receiver: pager
      matchers: ['rule.groups=g9999']
`);
    const grouped = routeAlert(byGroup, alert({ level: 3, groups: manyGroups }), {}, NOON_UTC);
    expect(names(grouped)).toEqual(['pager']);
    expect(grouped.receivers[0]?.why[0]).toMatch(/rule\.groups is g0, .*, g9 and 9990 more\)$/);
  });
});

describe('routeAlert with time intervals', () => {
  const hours = `time_intervals:
  - name: office-hours
    time_intervals:
      - weekdays: ['monday:friday']
        times: [{ start_time: '08:00', end_time: '18:00' }]
        location: Europe/Paris
`;
  const tree = config(
    `  receiver: mail
  routes:
    - name: page-out-of-hours
      receiver: pager
      matchers: ['rule.level>=12']
      mute_time_intervals: [office-hours]
      continue: true
    - name: slack-in-hours
      receiver: slack
      matchers: ['rule.level>=12']
      active_time_intervals: [office-hours]
`,
    hours,
  );
  const critical = alert({ level: 12 });

  it('pages outside office hours in the interval time zone, and not inside them', () => {
    // 07:30 UTC on a Wednesday is 08:30 in Paris: office hours.
    const inHours = routeAlert(tree, critical, {}, new Date('2026-12-02T07:30:00Z'));
    expect(names(inHours)).toEqual(['slack']);
    expect(inHours.muted).toEqual([
      {
        route: 'route.routes[0]',
        receiver: 'pager',
        why: "route.routes[0] (page-out-of-hours): muted: inside mute time interval 'office-hours'",
      },
    ]);
    // 06:30 UTC is 07:30 in Paris: before office hours; so is any time on a Saturday.
    expect(names(routeAlert(tree, critical, {}, new Date('2026-12-02T06:30:00Z')))).toEqual([
      'pager',
    ]);
    expect(names(routeAlert(tree, critical, {}, new Date('2026-12-05T12:00:00Z')))).toEqual([
      'pager',
    ]);
  });

  it('says a muted route is why nobody is told', () => {
    const quiet = config(
      `  routes:
    - receiver: slack
      matchers: ['rule.level>=3']
      active_time_intervals: [office-hours]
`,
      hours,
    );
    const result = routeAlert(quiet, critical, {}, new Date('2026-12-05T12:00:00Z'));
    expect(result.receivers).toEqual([]);
    expect(result.reason).toBe(
      'route.routes[0]: muted: outside its active time intervals (office-hours)',
    );
  });
});
