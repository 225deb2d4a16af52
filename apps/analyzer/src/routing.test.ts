import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '@herald/config';
import { AnalysisSchema, type Enrichment } from '@herald/contracts';
import type { AttemptResult, ClaimedAlert } from '@herald/db';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { REPO_ROOT, loadCorpus } from '@herald/testkit';
import { Grouper } from './grouping/grouper.ts';
import { settings } from './grouping/test-support.ts';
import { createAnalyzeHandler } from './handler.ts';
import { loadRoutingConfig } from './routing.ts';

const context = { logger: createSilentLogger(), signal: new AbortController().signal };
const NOW = new Date('2026-12-02T10:00:00Z');

const config = parseConfig(
  `receivers:
  - name: mail
    email: { to: [soc@example.com] }
  - name: pager
    pagerduty: { routing_key: k }
route:
  receiver: mail
  routes:
    - name: critical-assets
      receiver: pager
      matchers: ['rule.level>=10', 'asset.criticality=critical']
      group_wait: 1m
      continue: true
    - name: quiet
      receiver: mail
      matchers: ['rule.level<5']
      routes:
        - receiver: pager
          matchers: ['rule.groups=never-seen']
      mute_time_intervals: [always]
    - name: level-5
      receiver: mail
      matchers: ['rule.level>=5']
time_intervals:
  - name: always
    time_intervals: [{ times: [{ start_time: '00:00', end_time: '24:00' }] }]
`,
  'herald.yaml',
  { env: {} },
);

const enrichment = (criticality?: Enrichment['asset']): Enrichment => ({
  kind: 'agent',
  agent: { id: '010', name: 'Ubuntu' },
  ...(criticality ? { asset: criticality } : {}),
  sources: ['alert'],
  missing: [],
});

function claimed(line: number, facts: Enrichment): ClaimedAlert {
  return {
    id: crypto.randomUUID(),
    claimedFrom: 'enriched',
    attempt: 1,
    retries: 0,
    lastError: null,
    body: { ...loadCorpus()[line - 1]!.alert, id: crypto.randomUUID() },
    enrichment: facts,
    analysis: null,
  };
}

const analysisOf = (result: AttemptResult | undefined) =>
  AnalysisSchema.parse(result?.kind === 'done' ? result.analysis : undefined);

describe('analyzer routing through the config file', () => {
  it('routes by the enrichment and stores why each receiver got the alert', async () => {
    const handler = createAnalyzeHandler(config, { now: () => NOW });
    const [result] = await handler.process(
      [claimed(1, enrichment({ criticality: 'critical' }))],
      context,
    );
    const analysis = analysisOf(result);
    expect(analysis.receivers).toEqual(['pager', 'mail']);
    expect(analysis.routing?.receivers).toEqual([
      {
        name: 'pager',
        route: 'route.routes[0]',
        why: [
          'route.routes[0] (critical-assets): rule.level>=10 (rule.level is 10), asset.criticality="critical" (asset.criticality is critical)',
        ],
      },
      {
        name: 'mail',
        route: 'route.routes[2]',
        why: ['route.routes[2] (level-5): rule.level>=5 (rule.level is 10)'],
      },
    ]);
  });

  it('suppresses an alert only muted routes took, with the routing reason as its note', async () => {
    const handler = createAnalyzeHandler(config, { now: () => NOW });
    const [result] = await handler.process([claimed(3, enrichment())], context);
    expect(result).toMatchObject({
      kind: 'done',
      to: 'suppressed',
      note: "route.routes[1] (quiet): muted: inside mute time interval 'always'",
    });
    expect(analysisOf(result).routing?.muted).toEqual([
      {
        route: 'route.routes[1]',
        receiver: 'mail',
        why: "route.routes[1] (quiet): muted: inside mute time interval 'always'",
      },
    ]);
  });

  test("gives the grouper each receiver's grouping from its route", async ({ db }) => {
    // The grouper's own defaults send a group's first alert at once; the pager route waits.
    const grouper = new Grouper({ db, defaults: settings({ groupWaitMs: 0 }), now: () => NOW });
    const handler = createAnalyzeHandler(config, { grouper, now: () => NOW });
    const [result] = await handler.process(
      [claimed(1, enrichment({ criticality: 'critical' }))],
      context,
    );
    expect(analysisOf(result).receivers).toEqual(['mail']);
    expect(result?.kind === 'done' && result.note).toMatch(/^grouped into /);
    // The explanation still names every receiver the tree reached.
    expect(analysisOf(result).routing?.receivers.map((r) => r.name)).toEqual(['pager', 'mail']);
  });
});

describe('loadRoutingConfig', () => {
  it('reads HERALD_CONFIG, with the environment for ${VAR} and the default grouping', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-analyzer-config-'));
    const file = join(dir, 'herald.yaml');
    await writeFile(
      file,
      'receivers:\n  - name: pager\n    pagerduty: { routing_key: "${PD_KEY}" }\nroute: { receiver: pager }\n',
    );
    const loaded = await loadRoutingConfig(file, { PD_KEY: 'key', HERALD_GROUP_WAIT: '10s' });
    expect(loaded.receivers).toEqual([
      {
        name: 'pager',
        pagerduty: { routing_key: 'key', url: 'https://events.pagerduty.com/v2/enqueue' },
      },
    ]);
    expect(loaded.route.grouping.groupWaitMs).toBe(10_000);
  });

  it("without HERALD_CONFIG, routes to the environment's one receiver", async () => {
    const loaded = await loadRoutingConfig(undefined, {
      HERALD_DEFAULT_RECEIVER: 'soc',
      HERALD_NOTIFY_MIN_LEVEL: '5',
    });
    expect(loaded.source).toBe('environment');
    expect(loaded.route.routes[0]).toMatchObject({ receiver: 'soc', name: 'notify-min-level' });
  });
});

describe('analyzer start', () => {
  it('exits 1 naming file, line and column when HERALD_CONFIG is invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-analyzer-config-'));
    const file = join(dir, 'herald.yaml');
    await writeFile(
      file,
      'receivers:\n  - name: soc\n    email: { to: [a@example.com] }\nroute:\n  receiver: pager\n',
    );
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/analyzer/src/main.ts')], {
      env: {
        PATH: process.env.PATH,
        HERALD_CONFIG: file,
        // Never reached: the config is read before any connection is made.
        DATABASE_URL: 'postgresql://herald@127.0.0.1:1/herald',
        REDIS_URL: 'redis://127.0.0.1:1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe(
      `invalid configuration:\n${file}:5:13: route.receiver: no receiver named 'pager'\n`,
    );
    expect(code).toBe(1);
  });
});
