import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { isConfigFileError, parseDuration, routeAlert } from '@herald/config';
import type { Enrichment } from '@herald/contracts';
import { analyzeAlert } from '@herald/analyzer/src/analysis/analyze.ts';
import { enrichFromAlert } from '@herald/enricher/src/from-alert.ts';
import { applyInventory } from '@herald/enricher/src/inventory.ts';
import { UsageError, type CliIo, type Command } from '../command.ts';
import { loadConfigAsServicesWould, type LoadedConfig } from './config-load.ts';
import { readAlertFile, isAlertFileError } from './route-alerts-file.ts';
import { describeGrouping, explainRouting, printable } from './route-explain.ts';
import { replayStoredAlerts, type ReplayReport } from './route-replay.ts';

const USAGE = `usage: herald route test <alerts.json> [--config FILE] [--at TIME] [--json]
       herald route test --since 7d [--config FILE] [--limit N] [--examples N]

  test <file>   which receivers each alert of the file (one alert, a JSON array, or NDJSON
                as in alerts.json) reaches through the routing tree, and why. The enrichment
                is what the alert says plus the inventory (no Wazuh API lookup, so
                agent.groups is unknown); the analysis is the analyzer's, without repetition. --at sets the time for time intervals (ISO 8601,
                default now); --json prints one JSON line per alert.
  test --since  replays the alerts stored in PostgreSQL (DATABASE_URL) received within the
                duration through the configuration, with their stored enrichment and their
                arrival time, and prints what would change against their stored routing:
                counts per receiver and examples. Reads at most --limit alerts (default 100000).

The configuration is FILE, else HERALD_CONFIG, else the one built from the environment.`;

function options(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        at: { type: 'string' },
        json: { type: 'boolean', default: false },
        since: { type: 'string' },
        limit: { type: 'string', default: '100000' },
        examples: { type: 'string', default: '5' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function wholeNumber(flag: string, value: string, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw new UsageError(`--${flag} must be a whole number from 0 to ${max}, got '${value}'`);
  }
  return Number(value);
}

async function testFile(
  path: string,
  loaded: LoadedConfig,
  at: Date,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const file = isAbsolute(path) ? path : resolve(io.cwd, path);
  const alerts = await readAlertFile(file, path);
  if (!json) {
    const inventory = loaded.inventory
      ? ` plus inventory ${loaded.inventory.file}`
      : ' (no inventory)';
    io.stdout(
      `routing through ${loaded.file ?? 'the environment configuration'} at ${at.toISOString()}; enrichment from the alert${inventory}\n`,
    );
  }
  for (const { place, alert } of alerts) {
    let enrichment: Enrichment = enrichFromAlert(alert);
    if (loaded.inventory) enrichment = applyInventory(enrichment, loaded.inventory);
    // Routes may match the analysis (analysis.priority): the analyzer's own deterministic
    // result, without the repetition only stored alerts have.
    const result = routeAlert(
      loaded.config,
      alert,
      enrichment,
      at,
      analyzeAlert(alert, enrichment),
    );
    if (json) {
      io.stdout(
        `${JSON.stringify({
          place,
          rule: alert.rule.id,
          level: alert.rule.level,
          agent: enrichment.agent.name ?? null,
          asset: enrichment.asset ?? null,
          receivers: result.receivers.map((r) => ({
            name: r.name,
            route: r.route,
            why: r.why,
            grouping: describeGrouping(r.grouping),
          })),
          muted: result.muted,
          ...(result.reason ? { reason: result.reason } : {}),
        })}\n`,
      );
      continue;
    }
    const asset = enrichment.asset ? `, asset ${enrichment.asset.criticality}` : '';
    const header = `${place}: rule ${alert.rule.id} (level ${alert.rule.level}) on ${enrichment.agent.name ?? 'unknown agent'}${asset}: ${alert.rule.description}`;
    io.stdout(printable(`\n${header}\n${explainRouting(result).join('\n')}\n`));
  }
  return 0;
}

function printReport(report: ReplayReport, since: string, source: string, cli: CliIo): void {
  const io = { stdout: (text: string) => cli.stdout(printable(text)) };
  io.stdout(`replayed ${report.total} alerts received in the last ${since} through ${source}\n`);
  io.stdout(`  unchanged: ${report.unchanged}\n  changed:   ${report.changed}\n`);
  if (report.comparedWithReceivers > 0) {
    io.stdout(
      `  (${report.comparedWithReceivers} compared with stored receivers only: analysed before routing` +
        ' was stored, so silences and grouping may count as changes)\n',
    );
  }
  if (report.unreadable > 0)
    io.stdout(`  skipped ${report.unreadable} stored bodies that are not Wazuh alerts\n`);
  if (report.byReceiver.size > 0) {
    io.stdout('receivers:\n');
    const width = Math.max(...[...report.byReceiver.keys()].map((name) => name.length));
    for (const [name, counts] of [...report.byReceiver].sort(([a], [b]) => a.localeCompare(b))) {
      io.stdout(`  ${name.padEnd(width)}  +${counts.added} -${counts.removed}\n`);
    }
  }
  if (report.examples.length > 0) {
    io.stdout(`examples (${report.examples.length} of ${report.changed}):\n`);
    for (const example of report.examples) {
      io.stdout(
        `  ${example.id}  ${example.receivedAt.toISOString()}  rule ${example.rule} on ${example.agent}:` +
          ` [${example.before.join(', ')}] -> [${example.after.join(', ')}]\n`,
      );
      for (const gained of example.gained) io.stdout(`      + ${gained.name}: ${gained.why}\n`);
      if (example.reason) io.stdout(`      now nobody: ${example.reason}\n`);
    }
  }
}

async function testSince(
  since: string,
  loaded: LoadedConfig,
  limit: number,
  examples: number,
  io: CliIo,
): Promise<number> {
  const windowMs = parseDuration(since);
  const from = new Date(Date.now() - (windowMs ?? 0));
  if (windowMs === undefined || Number.isNaN(from.getTime())) {
    throw new UsageError(`--since must be a duration such as 24h or 7d, got '${since}'`);
  }
  const url = io.env.DATABASE_URL;
  if (!url) {
    throw new UsageError(
      'DATABASE_URL is not set: --since reads the stored alerts from PostgreSQL',
    );
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    application_name: 'herald-route-test',
  });
  try {
    const report = await replayStoredAlerts({
      db: pool,
      config: loaded.config,
      since: from,
      limit,
      examples,
    });
    printReport(report, since, loaded.file ?? 'the environment configuration', io);
    return 0;
  } finally {
    await pool.end();
  }
}

/** `herald route test`: which receivers alerts reach and why, or what a new config would change. */
export const routeCommand: Command = {
  name: 'route',
  summary: 'shows which receivers alerts reach and why; replays stored alerts through a config',
  usage: USAGE,
  async run(args, io) {
    const { positionals, values } = options(args);
    const [sub, file, ...extra] = positionals;
    if (sub !== 'test') {
      throw new UsageError(
        sub === undefined ? 'name a subcommand: test' : `unknown subcommand '${sub}'`,
      );
    }
    if (extra.length > 0 || (file === undefined) === (values.since === undefined)) {
      throw new UsageError('give either one alert file or --since');
    }
    const at = values.at === undefined ? new Date() : new Date(values.at);
    if (Number.isNaN(at.getTime())) {
      throw new UsageError(
        `--at must be an ISO 8601 time such as 2026-12-04T09:00:00Z, got '${values.at}'`,
      );
    }
    try {
      const loaded = await loadConfigAsServicesWould(values.config, io);
      if (file !== undefined) {
        return await testFile(file, loaded, at, values.json, io);
      }
      return await testSince(
        values.since ?? '',
        loaded,
        wholeNumber('limit', values.limit, 10_000_000),
        wholeNumber('examples', values.examples, 1000),
        io,
      );
    } catch (err) {
      if (!isConfigFileError(err) && !isAlertFileError(err)) throw err;
      io.stderr(`${err.message}\n`);
      return 1;
    }
  },
};
