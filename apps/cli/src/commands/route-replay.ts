import { routeAlert, type HeraldConfig } from '@herald/config';
import { validateAlert } from '@herald/wazuh';

/** The part of a pg Pool the replay uses. */
export interface Queryable {
  query<R extends object>(text: string, values: unknown[]): Promise<{ rows: R[] }>;
}

/** One alert whose receivers would change. */
export interface ReplayExample {
  id: string;
  receivedAt: Date;
  rule: string;
  agent: string;
  before: string[];
  after: string[];
  /** For each receiver gained, the route and why. */
  gained: { name: string; why: string }[];
  /** Why the new config reaches nobody, when it does not. */
  reason?: string;
}

/** What replaying stored alerts through a config would change. */
export interface ReplayReport {
  total: number;
  unchanged: number;
  changed: number;
  /** Receivers gained (`added`) and lost (`removed`) across all changed alerts. */
  byReceiver: Map<string, { added: number; removed: number }>;
  examples: ReplayExample[];
  /** Alerts compared with their stored routing explanation vs. only their stored receivers. */
  comparedWithRouting: number;
  comparedWithReceivers: number;
  /** Stored bodies that are not Wazuh alerts (skipped). */
  unreadable: number;
}

interface StoredRow {
  id: string;
  received_at: Date;
  body: unknown;
  enrichment: unknown;
  analysis: {
    receivers?: unknown;
    routing?: { receivers?: { name?: unknown }[] };
  };
}

const PAGE_ROWS = 500;

// Digests (analysis.group set) are rows the grouping stage made, not alerts Wazuh sent.
const PAGE_QUERY = `
  SELECT id, received_at, body, enrichment, analysis
    FROM alerts
   WHERE received_at >= $1
     AND analysis IS NOT NULL AND enrichment IS NOT NULL
     AND NOT (analysis ? 'group')
     AND (received_at, id) > ($2::timestamptz, $3::uuid)
   ORDER BY received_at, id
   LIMIT $4`;

function names(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/**
 * What the receivers were: the routing tree's answer when the analysis stored it (before
 * silences and grouping trimmed `receivers`), else the stored receivers.
 */
function storedReceivers(analysis: StoredRow['analysis']): {
  receivers: string[];
  fromRouting: boolean;
} {
  const routed = analysis.routing?.receivers;
  if (Array.isArray(routed)) {
    return {
      receivers: routed.map((r) => r.name).filter((n): n is string => typeof n === 'string'),
      fromRouting: true,
    };
  }
  return { receivers: names(analysis.receivers), fromRouting: false };
}

/**
 * Routes every alert received since `since` again through `config`, with its stored
 * enrichment and analysis and its arrival time (for time intervals), and counts what changes.
 * Reads in pages, so a long window does not hold every alert in memory; stops at `limit`.
 */
export async function replayStoredAlerts(options: {
  db: Queryable;
  config: HeraldConfig;
  since: Date;
  limit: number;
  examples: number;
}): Promise<ReplayReport> {
  const report: ReplayReport = {
    total: 0,
    unchanged: 0,
    changed: 0,
    byReceiver: new Map(),
    examples: [],
    comparedWithRouting: 0,
    comparedWithReceivers: 0,
    unreadable: 0,
  };
  const bump = (name: string, key: 'added' | 'removed') => {
    const counts = report.byReceiver.get(name) ?? { added: 0, removed: 0 };
    counts[key] += 1;
    report.byReceiver.set(name, counts);
  };
  let cursor: [Date, string] = [
    new Date(options.since.getTime() - 1),
    '00000000-0000-0000-0000-000000000000',
  ];
  while (report.total + report.unreadable < options.limit) {
    const pageRows = Math.min(PAGE_ROWS, options.limit - report.total - report.unreadable);
    const { rows } = await options.db.query<StoredRow>(PAGE_QUERY, [
      options.since,
      cursor[0],
      cursor[1],
      pageRows,
    ]);
    for (const row of rows) {
      const validation = validateAlert(row.body);
      if (!validation.ok) {
        report.unreadable += 1;
        continue;
      }
      report.total += 1;
      const before = storedReceivers(row.analysis);
      if (before.fromRouting) report.comparedWithRouting += 1;
      else report.comparedWithReceivers += 1;
      const result = routeAlert(
        options.config,
        validation.alert,
        row.enrichment,
        row.received_at,
        row.analysis,
      );
      const after = result.receivers.map((r) => r.name);
      const gained = result.receivers.filter((r) => !before.receivers.includes(r.name));
      const lost = before.receivers.filter((name) => !after.includes(name));
      if (gained.length === 0 && lost.length === 0) {
        report.unchanged += 1;
        continue;
      }
      report.changed += 1;
      for (const r of gained) bump(r.name, 'added');
      for (const name of lost) bump(name, 'removed');
      if (report.examples.length < options.examples) {
        report.examples.push({
          id: row.id,
          receivedAt: row.received_at,
          rule: `${validation.alert.rule.id} (level ${validation.alert.rule.level})`,
          agent: validation.alert.agent?.name ?? validation.alert.agentless?.host ?? '-',
          before: before.receivers,
          after,
          gained: gained.map((r) => ({ name: r.name, why: r.why.join('; ') })),
          ...(result.reason ? { reason: result.reason } : {}),
        });
      }
    }
    const last = rows.at(-1);
    if (!last || rows.length < pageRows) break;
    cursor = [last.received_at, last.id];
  }
  return report;
}
