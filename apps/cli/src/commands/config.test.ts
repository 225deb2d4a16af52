import { describe, expect, it } from 'vitest';
import { dispatch } from '../dispatch.ts';
import { configCommand } from './config.ts';
import { SAMPLE_CONFIG, SAMPLE_ENV, captured, folderWith } from './config-test-support.ts';

const herald = (args: string[], io: ReturnType<typeof captured>['io']) =>
  dispatch([configCommand], ['config', ...args], io);

describe('herald config check', () => {
  it('says OK with a summary for the shipped sample configuration and its inventory', async () => {
    const run = captured(SAMPLE_ENV);
    expect(await herald(['check', '--config', SAMPLE_CONFIG], run.io)).toBe(0);
    expect(run.out()).toContain(`OK ${SAMPLE_CONFIG}\n`);
    expect(run.out()).toContain(
      '  6 receivers: soc-email (email), soc-slack (slack), oncall-pagerduty (pagerduty),' +
        ' pci-compliance (email), vuln-tickets (webhook), infra-teams (teams)\n',
    );
    expect(run.out()).toContain(
      '  8 routes below the root (root receiver: none: unmatched alerts reach nobody)\n',
    );
    expect(run.out()).toMatch(/ {2}inventory .*inventory\.example\.yaml: 8 entries\n/);
    expect(run.err()).toBe('');
  });

  it('reads HERALD_CONFIG when no --config is given, relative to the working folder', async () => {
    const dir = await folderWith({
      'h.yaml':
        'receivers:\n  - name: soc\n    email: { to: [a@example.com] }\nroute: { receiver: soc }\n',
    });
    const run = captured({ HERALD_CONFIG: 'h.yaml' }, dir);
    expect(await herald(['check'], run.io)).toBe(0);
    expect(run.out()).toContain('1 receiver: soc (email)');
  });

  it('prints every problem with file, line and column, and exits 1', async () => {
    const dir = await folderWith({
      'herald.yaml': `inventory: inv.yaml
receivers:
  - name: soc
    email: { to: [a@example.com] }
route:
  receiver: soc
  routes:
    - receiver: pager
`,
    });
    const run = captured({}, dir);
    expect(await herald(['check', '--config', 'herald.yaml'], run.io)).toBe(1);
    expect(run.err()).toBe(
      `${dir}/herald.yaml:8:17: route.routes[0].receiver: no receiver named 'pager'\n` +
        '1 problem: the services would refuse to start\n',
    );
    expect(run.out()).toBe('');
  });

  it('validates the inventory the configuration names, with its lines', async () => {
    const dir = await folderWith({
      'herald.yaml':
        'inventory: inv.yaml\nreceivers:\n  - name: soc\n    email: { to: [a@example.com] }\nroute: { receiver: soc }\n',
      'inv.yaml': 'assets:\n  - name: db-01\n    criticality: vital\n',
    });
    const run = captured({}, dir);
    expect(await herald(['check', '--config', 'herald.yaml'], run.io)).toBe(1);
    expect(run.err()).toMatch(new RegExp(`^${dir}/inv\\.yaml:3:18: assets\\[0\\]\\.criticality: `));
  });

  it('names an unset variable of the sample configuration', async () => {
    const { HERALD_TEAMS_WEBHOOK_URL: _unset, ...env } = SAMPLE_ENV;
    const run = captured(env);
    expect(await herald(['check', '--config', SAMPLE_CONFIG], run.io)).toBe(1);
    expect(run.err()).toMatch(
      /herald\.example\.yaml:\d+:\d+: receivers\[5\]\.teams\.webhook_url: environment variable HERALD_TEAMS_WEBHOOK_URL is not set\n/,
    );
  });

  it('checks the configuration built from the environment when there is no file', async () => {
    const ok = captured({ HERALD_DEFAULT_RECEIVER: 'soc', HERALD_NOTIFY_MIN_LEVEL: '7' });
    expect(await herald(['check'], ok.io)).toBe(0);
    expect(ok.out()).toContain('OK configuration from the environment (no HERALD_CONFIG)');
    expect(ok.out()).toContain('1 route below the root');
    const bad = captured({ HERALD_NOTIFY_MIN_LEVEL: 'loud' });
    expect(await herald(['check'], bad.io)).toBe(1);
    expect(bad.err()).toContain(
      'environment: HERALD_NOTIFY_MIN_LEVEL: must be a whole number from 0 to 16',
    );
  });

  it('is a usage error without the check subcommand', async () => {
    const run = captured({});
    expect(await herald([], run.io)).toBe(2);
    expect(run.err()).toContain('name a subcommand: check');
  });
});
