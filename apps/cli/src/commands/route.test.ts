import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from '@herald/testkit';
import { dispatch } from '../dispatch.ts';
import { routeCommand } from './route.ts';
import { captured, folderWith } from './config-test-support.ts';

const herald = (args: string[], io: ReturnType<typeof captured>['io']) =>
  dispatch([routeCommand], ['route', ...args], io);

const CONFIG = `inventory: inventory.yaml
receivers:
  - name: mail
    email: { to: [soc@example.com] }
  - name: pager
    pagerduty: { routing_key: k }
route:
  receiver: mail
  routes:
    - name: critical
      receiver: pager
      matchers: ['rule.level>=10', 'asset.criticality=critical']
`;
const INVENTORY = 'assets:\n  - name: Ubuntu\n    criticality: critical\n';

async function setup(alerts: Record<string, string> = {}) {
  return folderWith({ 'herald.yaml': CONFIG, 'inventory.yaml': INVENTORY, ...alerts });
}

describe('herald route test <file>', () => {
  it('prints the receivers an alert reaches, through which route, why, and its grouping', async () => {
    const dir = await setup({ 'alert.json': JSON.stringify(loadCorpus()[4]!.alert) });
    const run = captured({}, dir);
    expect(
      await herald(
        ['test', 'alert.json', '--config', 'herald.yaml', '--at', '2026-12-02T10:00:00Z'],
        run.io,
      ),
    ).toBe(0);
    expect(run.out()).toBe(
      `routing through ${join(dir, 'herald.yaml')} at 2026-12-02T10:00:00.000Z; enrichment from the alert plus inventory ${join(dir, 'inventory.yaml')}\n` +
        '\nalert: rule 87105 (level 12) on Ubuntu, asset critical: VirusTotal: Alert - /media/user/software/eicar.com - 66 engines detected this file\n' +
        '  -> pager  via route.routes[0]\n' +
        '       route.routes[0] (critical): rule.level>=10 (rule.level is 12), asset.criticality="critical" (asset.criticality is critical)\n' +
        '       grouping by rule.id, agent.id, data.srcip; wait 0s, interval 5m, repeat 4h\n',
    );
  });

  it('routes on the analysis as the analyzer does (analysis.priority, analysis.family)', async () => {
    const config = CONFIG.replace(
      "matchers: ['rule.level>=10', 'asset.criticality=critical']",
      "matchers: ['analysis.priority=~high|critical', 'analysis.family!=\"\"']",
    );
    const dir = await folderWith({
      'herald.yaml': config,
      'inventory.yaml': INVENTORY,
      'alert.json': JSON.stringify(loadCorpus()[4]!.alert),
    });
    const run = captured({}, dir);
    expect(await herald(['test', 'alert.json', '--config', 'herald.yaml'], run.io)).toBe(0);
    expect(run.out()).toContain('  -> pager  via route.routes[0]\n');
    expect(run.out()).toMatch(
      /analysis\.priority=~"high\|critical" \(analysis\.priority is (high|critical)\)/,
    );
  });

  it('explains the fallback to the root receiver for an alert no route takes', async () => {
    const dir = await setup({ 'alert.json': JSON.stringify(loadCorpus()[0]!.alert) });
    const run = captured({}, dir);
    expect(await herald(['test', 'alert.json', '--config', 'herald.yaml'], run.io)).toBe(0);
    expect(run.out()).toContain('  -> mail  via route\n');
    expect(run.out()).toContain(
      'no route matched, so the root route\'s receiver: route.routes[0] (critical): asset.criticality="critical" does not hold (asset.criticality is absent)',
    );
  });

  it('reads NDJSON and JSON arrays, and names bad lines and fields', async () => {
    const [first, second] = loadCorpus();
    const dir = await setup({
      'alerts.ndjson': `${JSON.stringify(first!.alert)}\n\n${JSON.stringify(second!.alert)}\n`,
      'alerts.json': JSON.stringify([first!.alert, second!.alert]),
      'bad.ndjson': `${JSON.stringify(first!.alert)}\n{"rule":{}}\nnot json\n`,
    });
    const ndjson = captured({}, dir);
    expect(
      await herald(['test', 'alerts.ndjson', '--config', 'herald.yaml', '--json'], ndjson.io),
    ).toBe(0);
    expect(
      ndjson
        .out()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { place: string }).place),
    ).toEqual(['line 1', 'line 3']);
    const array = captured({}, dir);
    expect(
      await herald(['test', 'alerts.json', '--config', 'herald.yaml', '--json'], array.io),
    ).toBe(0);
    expect(
      array
        .out()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { place: string }).place),
    ).toEqual(['alert 1', 'alert 2']);
    // Saved by a Windows editor: a byte order mark and CRLF line ends.
    const windows = await setup({
      'windows.ndjson': `\uFEFF${JSON.stringify(first!.alert)}\r\n${JSON.stringify(second!.alert)}\r\n`,
    });
    const crlf = captured({}, windows);
    expect(
      await herald(['test', 'windows.ndjson', '--config', 'herald.yaml', '--json'], crlf.io),
    ).toBe(0);
    expect(crlf.out().trim().split('\n')).toHaveLength(2);
    const bad = captured({}, dir);
    expect(await herald(['test', 'bad.ndjson', '--config', 'herald.yaml'], bad.io)).toBe(1);
    expect(bad.err()).toBe('bad.ndjson: line 3: not JSON\n');
    const invalid = await setup({ 'invalid.json': '{"rule":{"level":3}}' });
    const shape = captured({}, invalid);
    expect(await herald(['test', 'invalid.json', '--config', 'herald.yaml'], shape.io)).toBe(1);
    expect(shape.err()).toContain('invalid.json: alert: timestamp is required');
  });

  it('prints control characters of alert fields as ?, so an alert cannot drive the terminal', async () => {
    const alert = {
      ...loadCorpus()[1]!.alert,
      agent: { id: '010', name: 'evil\u001b]0;pwned\u0007' },
    };
    const dir = await setup({ 'alert.json': JSON.stringify(alert) });
    const run = captured({}, dir);
    expect(await herald(['test', 'alert.json', '--config', 'herald.yaml'], run.io)).toBe(0);
    expect(run.out()).toContain('on evil?]0;pwned?:');
    expect(run.out()).not.toContain('\u001b');
  });

  it('reports a broken configuration with its line, and usage mistakes', async () => {
    const dir = await folderWith({ 'herald.yaml': 'receivers: []\nroute: {}\n', 'a.json': '{}' });
    const run = captured({}, dir);
    expect(await herald(['test', 'a.json', '--config', 'herald.yaml'], run.io)).toBe(1);
    expect(run.err()).toContain('herald.yaml:1:12: receivers: needs at least one receiver');
    const usage = captured({}, dir);
    expect(await herald(['test'], usage.io)).toBe(2);
    expect(usage.err()).toContain('give either one alert file or --since');
    const at = captured({}, dir);
    expect(await herald(['test', 'a.json', '--at', 'noon'], at.io)).toBe(2);
    expect(at.err()).toContain('--at must be an ISO 8601 time');
    const since = captured({}, dir);
    expect(await herald(['test', '--since', 'a week'], since.io)).toBe(2);
    expect(since.err()).toContain("--since must be a duration such as 24h or 7d, got 'a week'");
    // Further back than a date can be: named before PostgreSQL is asked.
    const far = captured({ DATABASE_URL: 'postgresql://127.0.0.1:1/none' }, await setup());
    expect(await herald(['test', '--since', '999999999d', '--config', 'herald.yaml'], far.io)).toBe(
      2,
    );
    expect(far.err()).toContain("--since must be a duration such as 24h or 7d, got '999999999d'");
  });
});
