import { describe, expect } from 'vitest';
import { insertAlerts, type Database } from '@herald/db';
import { test } from '@herald/db/testing';
import { loadCorpus } from '@herald/testkit';
import { dispatch } from '../dispatch.ts';
import { routeCommand } from './route.ts';
import { captured, folderWith } from './config-test-support.ts';

const CONFIG = `receivers:
  - name: mail
    email: { to: [soc@example.com] }
  - name: pager
    pagerduty: { routing_key: k }
route:
  receiver: mail
  routes:
    - name: critical
      receiver: pager
      matchers: ['rule.level>=12', 'asset.criticality=critical']
`;

const DAY_MS = 86_400_000;

/** Stores a corpus alert as the analyzer would have left it, received `ageMs` ago. */
async function stored(
  db: Database,
  key: string,
  line: number,
  ageMs: number,
  enrichment: unknown,
  analysis: unknown,
): Promise<string> {
  const [ref] = await insertAlerts(
    db,
    [{ identityKey: key, body: loadCorpus()[line - 1]!.alert }],
    {
      service: 'test',
      replica: 'test',
    },
  );
  await db.pool.query(
    `UPDATE alerts SET enrichment = $2, analysis = $3, received_at = now() - make_interval(secs => $4::float8 / 1000)
      WHERE id = $1`,
    [ref!.id, JSON.stringify(enrichment), JSON.stringify(analysis), ageMs],
  );
  return ref!.id;
}

const enrichment = (criticality?: string) => ({
  kind: 'agent',
  agent: { id: '010', name: 'Ubuntu' },
  ...(criticality ? { asset: { criticality } } : {}),
  sources: ['alert'],
  missing: [],
});
const routedTo = (...names: string[]) => ({
  receivers: names,
  routing: { receivers: names.map((name) => ({ name, route: 'route', why: ['old'] })), muted: [] },
});

describe('herald route test --since', () => {
  test('replays stored alerts through a new configuration and prints what would change', async ({
    db,
    databaseUrl,
  }) => {
    // Was mail only; the new tree pages for level 12 on a critical asset instead.
    const changed = await stored(db, 'a', 5, DAY_MS, enrichment('critical'), routedTo('mail'));
    // Unchanged: level 12 on a high asset still goes to mail.
    await stored(db, 'b', 5, 2 * DAY_MS, enrichment('high'), routedTo('mail'));
    // Older analysis without a routing explanation: compared with its receivers (grouped: none).
    await stored(db, 'c', 1, 3 * DAY_MS, enrichment(), { receivers: [] });
    // Outside the window, and a digest the grouping stage made: neither is replayed.
    await stored(db, 'd', 5, 10 * DAY_MS, enrichment('critical'), routedTo('mail'));
    await stored(db, 'digest:g:1', 5, DAY_MS, enrichment('critical'), {
      ...routedTo('mail'),
      group: { kind: 'digest' },
    });

    const dir = await folderWith({ 'herald.yaml': CONFIG });
    const run = captured({ DATABASE_URL: databaseUrl }, dir);
    expect(await herald(['test', '--since', '7d', '--config', 'herald.yaml'], run.io)).toBe(0);
    const out = run.out();
    expect(out).toContain(`replayed 3 alerts received in the last 7d through ${dir}/herald.yaml\n`);
    expect(out).toContain('  unchanged: 1\n  changed:   2\n');
    expect(out).toContain('(1 compared with stored receivers only');
    expect(out).toContain('receivers:\n  mail   +1 -1\n  pager  +1 -0\n');
    expect(out).toContain('examples (2 of 2):\n');
    expect(out).toMatch(
      new RegExp(
        `\\n  ${changed}  \\S+  rule 87105 \\(level 12\\) on Ubuntu: \\[mail\\] -> \\[pager\\]\\n`,
      ),
    );
    expect(out).toContain(
      '      + pager: route.routes[0] (critical): rule.level>=12 (rule.level is 12)',
    );
  });

  test('stops at --limit and shows at most --examples', async ({ db, databaseUrl }) => {
    for (const key of ['a', 'b', 'c'])
      await stored(db, key, 5, DAY_MS, enrichment('critical'), routedTo('mail'));
    const dir = await folderWith({ 'herald.yaml': CONFIG });
    const run = captured({ DATABASE_URL: databaseUrl }, dir);
    expect(
      await herald(
        ['test', '--since', '2d', '--config', 'herald.yaml', '--limit', '2', '--examples', '1'],
        run.io,
      ),
    ).toBe(0);
    expect(run.out()).toContain('replayed 2 alerts');
    expect(run.out()).toContain('examples (1 of 2):');
  });

  test('needs DATABASE_URL', async () => {
    const dir = await folderWith({ 'herald.yaml': CONFIG });
    const run = captured({}, dir);
    expect(await herald(['test', '--since', '7d', '--config', 'herald.yaml'], run.io)).toBe(2);
    expect(run.err()).toContain('DATABASE_URL is not set');
  });
});

function herald(args: string[], io: ReturnType<typeof captured>['io']): Promise<number> {
  return dispatch([routeCommand], ['route', ...args], io);
}
