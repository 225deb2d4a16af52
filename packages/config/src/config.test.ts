import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './config.ts';
import { isConfigFileError, type ConfigIssue } from './errors.ts';

const RECEIVERS = `receivers:
  - name: soc
    email:
      to: [soc@example.com]
  - name: pager
    pagerduty:
      routing_key: \${PD_KEY}
`;

function issuesOf(text: string, env: Record<string, string> = { PD_KEY: 'k' }): ConfigIssue[] {
  try {
    parseConfig(text, 'herald.yaml', { env });
  } catch (err) {
    if (isConfigFileError(err)) return [...err.issues];
    throw err;
  }
  throw new Error('expected the config to be refused');
}

function messagesOf(text: string, env?: Record<string, string>): string[] {
  try {
    parseConfig(text, 'herald.yaml', { env: env ?? { PD_KEY: 'k' } });
  } catch (err) {
    if (isConfigFileError(err)) return err.message.split('\n');
    throw err;
  }
  return [];
}

describe('parseConfig', () => {
  it("reads group_by: ['...'] as grouping off, and refuses it beside field names", () => {
    const config = parseConfig(
      `${RECEIVERS}route:\n  receiver: soc\n  group_by: ['...']\n`,
      'herald.yaml',
      {
        env: { PD_KEY: 'k' },
      },
    );
    expect(config.route.grouping.groupBy).toEqual(['...']);
    expect(
      messagesOf(`${RECEIVERS}route:\n  receiver: soc\n  group_by: ['...', rule.id]\n`).join('\n'),
    ).toMatch(/group_by/);
  });

  it('reads receivers and the route tree, filling in what children inherit', () => {
    const config = parseConfig(
      `${RECEIVERS}route:
  receiver: soc
  group_by: [rule.id]
  group_interval: 10m
  routes:
    - name: critical
      receiver: pager
      matchers: ['rule.level>=12']
      group_wait: 30s
      routes:
        - matchers: ['rule.groups=web']
`,
      'herald.yaml',
      { env: { PD_KEY: 'key-1' } },
    );
    expect(config.receivers.map((r) => r.name)).toEqual(['soc', 'pager']);
    expect(config.receivers[1]).toMatchObject({ pagerduty: { routing_key: 'key-1' } });
    const critical = config.route.routes[0]!;
    expect(critical).toMatchObject({
      path: 'route.routes[0]',
      name: 'critical',
      receiver: 'pager',
    });
    expect(critical.grouping).toEqual({
      groupBy: ['rule.id'],
      groupWaitMs: 30_000,
      groupIntervalMs: 600_000,
      repeatIntervalMs: 14_400_000,
    });
    // The grandchild inherits the receiver and the grouping of its parent.
    expect(critical.routes[0]).toMatchObject({
      receiver: 'pager',
      grouping: critical.grouping,
      path: 'route.routes[0].routes[0]',
    });
  });

  it('names file, line, column and path of a route naming an unknown receiver', () => {
    const lines = messagesOf(`${RECEIVERS}route:
  receiver: soc
  routes:
    - receiver: soc
    - receiver: soc
    - receiver: pager
      continue: true
    - matchers: ['rule.level>=3']
      receiver: pagr
`);
    expect(lines).toEqual([
      "herald.yaml:16:17: route.routes[3].receiver: no receiver named 'pagr'",
    ]);
  });

  it('refuses unknown keys at their line, however deep', () => {
    const issues = issuesOf(`${RECEIVERS}route:
  receiver: soc
  routes:
    - receiver: pager
      contine: true
colour: red
`);
    expect(issues).toEqual([
      {
        file: 'herald.yaml',
        line: 12,
        column: 7,
        path: 'route.routes[0].contine',
        message: "unknown key 'contine'",
      },
      { file: 'herald.yaml', line: 13, column: 1, path: 'colour', message: "unknown key 'colour'" },
    ]);
  });

  it('reports shape problems and cross-check problems in one pass', () => {
    expect(
      messagesOf(`${RECEIVERS}route:
  receiver: soc
  group_wait: soon
  routes:
    - receiver: pager
      continue: 'yes'
    - receiver: pagr
`),
    ).toEqual([
      expect.stringMatching(/^herald\.yaml:10:15: route\.group_wait: 'soon' is not a duration/),
      expect.stringMatching(/^herald\.yaml:13:17: route\.routes\[0\]\.continue: /),
      "herald.yaml:14:17: route.routes[1].receiver: no receiver named 'pagr'",
    ]);
  });

  it("reports a receiver's own channel errors rather than every channel it is not", () => {
    const lines = messagesOf(`receivers:
  - name: chat
    slack:
      webhook_url: not-a-url
route:
  receiver: chat
`);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/^herald\.yaml:4:20: receivers\[0\]\.slack\.webhook_url: /);
    }
  });

  it('says a numeric comparison needs a number', () => {
    const lines = messagesOf(`${RECEIVERS}route:
  receiver: soc
  routes:
    - matchers: ['rule.level>=high', 'rule.level < 1e3']
`);
    expect(lines).toEqual([
      "herald.yaml:11:18: route.routes[0].matchers[0]: invalid matcher 'rule.level>=high': '>=' compares numbers: write a whole or decimal number such as rule.level>=10",
      "herald.yaml:11:38: route.routes[0].matchers[1]: invalid matcher 'rule.level < 1e3': '<' compares numbers: write a whole or decimal number such as rule.level<10",
    ]);
  });

  it('says a receiver needs one channel, not which keys the other channels lack', () => {
    const lines = messagesOf(`receivers:
  - name: nothing
  - name: both
    email: { to: [soc@example.com] }
    slack: { webhook_url: 'https://hooks.slack.example/T1' }
route:
  receiver: both
`);
    expect(lines).toEqual([
      'herald.yaml:2:5: receivers[0]: needs a channel: one of email, slack, teams, webhook, pagerduty',
      'herald.yaml:3:5: receivers[1]: has email and slack: a receiver has exactly one channel (write one receiver per channel)',
    ]);
  });

  it('refuses duplicate receiver names, bad durations, bad matchers and unknown time intervals', () => {
    const lines = messagesOf(`${RECEIVERS}  - name: soc
    email: { to: [other@example.com] }
route:
  receiver: soc
  routes:
    - receiver: pager
      mute_time_intervals: [nights]
`);
    expect(lines).toEqual([
      "herald.yaml:8:11: receivers[2].name: receiver name 'soc' is already used by receivers[0]",
      "herald.yaml:14:29: route.routes[0].mute_time_intervals[0]: no time interval named 'nights'",
    ]);
    const shape = messagesOf(`${RECEIVERS}route:
  receiver: soc
  group_wait: soon
  routes:
    - matchers: ['rule.id=~(']
`);
    expect(shape).toEqual([
      expect.stringMatching(/^herald\.yaml:10:15: route\.group_wait: 'soon' is not a duration/),
      expect.stringMatching(
        /^herald\.yaml:12:18: route\.routes\[0\]\.matchers\[0\]: invalid matcher 'rule\.id=~\('/,
      ),
    ]);
  });

  it('refuses grouping durations longer than the grouping stage can keep', () => {
    const lines = messagesOf(`${RECEIVERS}route:
  receiver: soc
  repeat_interval: 24d
  routes:
    - receiver: pager
      repeat_interval: 30d
      group_interval: 2147483648ms
`);
    expect(lines).toEqual([
      expect.stringMatching(
        /^herald\.yaml:14:23: route\.routes\[0\]\.group_interval: must be at most 24d/,
      ),
      expect.stringMatching(
        /^herald\.yaml:13:24: route\.routes\[0\]\.repeat_interval: must be at most 24d/,
      ),
    ]);
  });

  it('refuses matchers on the root route and a child with no receiver anywhere above it', () => {
    expect(
      messagesOf(`${RECEIVERS}route:
  matchers: ['rule.level>=3']
  routes:
    - matchers: ['rule.level>=10']
`),
    ).toEqual([
      'herald.yaml:9:13: route.matchers: the root route matches every alert: put matchers on its routes',
      'herald.yaml:11:7: route.routes[0]: needs a receiver: neither it nor a parent route names one',
    ]);
  });

  it('replaces ${VAR} from the environment and names the line of an unset one', () => {
    expect(issuesOf(`${RECEIVERS}route: { receiver: soc }\n`, {})).toEqual([
      {
        file: 'herald.yaml',
        line: 7,
        column: 20,
        path: 'receivers[1].pagerduty.routing_key',
        message: 'environment variable PD_KEY is not set',
      },
    ]);
    // An empty variable is unset too: compose passes "no value" as ''.
    expect(issuesOf(`${RECEIVERS}route: { receiver: soc }\n`, { PD_KEY: '' })[0]?.message).toBe(
      'environment variable PD_KEY is not set',
    );
    const config = parseConfig(
      `${RECEIVERS.replace('${PD_KEY}', () => 'pre-${PD_KEY}-$${LITERAL}')}route: { receiver: soc }\n`,
      'h.yaml',
      {
        env: { PD_KEY: 'abc' },
      },
    );
    expect(config.receivers[1]).toMatchObject({ pagerduty: { routing_key: 'pre-abc-${LITERAL}' } });
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(issuesOf('receivers: [\n')[0]).toMatchObject({ file: 'herald.yaml', line: 2 });
    expect(
      issuesOf(`${RECEIVERS}route: { receiver: soc }\nroute: { receiver: pager }\n`)[0],
    ).toMatchObject({ line: 9, column: 1 });
  });
});

describe('loadConfig', () => {
  it('resolves template and inventory paths against the config file folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-config-'));
    const file = join(dir, 'herald.yaml');
    await writeFile(
      file,
      `inventory: inventory.yaml
receivers:
  - name: soc
    template: templates/soc
    email: { to: [soc@example.com] }
route: { receiver: soc }
`,
    );
    const config = await loadConfig(file, { env: {} });
    expect(config.inventory).toBe(join(dir, 'inventory.yaml'));
    expect(config.receivers[0]?.template).toBe(join(dir, 'templates/soc'));
    expect(config.source).toBe(file);
  });

  it('gives the root the default grouping it is handed where the file sets none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-config-'));
    const file = join(dir, 'herald.yaml');
    await writeFile(
      file,
      'receivers:\n  - name: soc\n    email: { to: [a@example.com] }\nroute:\n  receiver: soc\n  group_wait: 1m\n',
    );
    const defaultGrouping = {
      groupBy: ['rule.id'],
      groupWaitMs: 5,
      groupIntervalMs: 6,
      repeatIntervalMs: 7,
    };
    const config = await loadConfig(file, { env: {}, defaultGrouping });
    expect(config.route.grouping).toEqual({ ...defaultGrouping, groupWaitMs: 60_000 });
  });

  it('says so when the file cannot be read', async () => {
    await expect(loadConfig('/nonexistent/herald.yaml', { env: {} })).rejects.toThrow(
      '/nonexistent/herald.yaml: cannot read the file (ENOENT)',
    );
  });
});
