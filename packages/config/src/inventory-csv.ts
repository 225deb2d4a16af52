import { CsvError, parse } from 'csv-parse/sync';
import { ConfigFileError, type ConfigIssue } from './errors.ts';
import { AssetEntry, type Entry } from './inventory-entry.ts';
import type { Inventory } from './inventory.ts';

const COLUMNS = ['name', 'group', 'ip', 'cidr', 'criticality', 'owner', 'team', 'tags'] as const;
type Column = (typeof COLUMNS)[number];

function isColumn(name: string): name is Column {
  return (COLUMNS as readonly string[]).includes(name);
}

/** A CSV row as the YAML entry it stands for: empty cells absent, tags split on `;` or spaces. */
function entryInput(row: Record<string, string>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (value === '') continue;
    input[column] = column === 'tags' ? value.split(/[;\s]+/).filter(Boolean) : value;
  }
  return input;
}

/**
 * Validates an inventory written as CSV, as spreadsheets export it: a header row naming some
 * of `name, group, ip, cidr, criticality, owner, team, tags`, then one entry per row with the
 * YAML form's rules (exactly one of name, group, ip or cidr; tags separated by `;`). Lines
 * starting with `#` are comments. The first matching row wins, as in YAML.
 *
 * @throws ConfigFileError with the line (and column name) of every problem.
 */
export function parseInventoryCsv(text: string, file: string): Inventory {
  const issue = (line: number, path: string, message: string): ConfigIssue => ({
    file,
    line,
    column: 1,
    path,
    message,
  });
  let records: { info: { lines: number }; record: Record<string, string> }[];
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      comment: '#',
      comment_no_infix: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    });
  } catch (err) {
    const line = err instanceof CsvError && typeof err.lines === 'number' ? err.lines : 0;
    throw new ConfigFileError([issue(line, '', `not valid CSV: ${(err as Error).message}`)], {
      cause: err,
    });
  }
  const header = Object.keys(records[0]?.record ?? {});
  const unknown = header.filter((name) => !isColumn(name));
  if (unknown.length > 0) {
    throw new ConfigFileError(
      unknown.map((name) =>
        issue(1, '', `unknown column '${name}': the columns are ${COLUMNS.join(', ')}`),
      ),
    );
  }
  const issues: ConfigIssue[] = [];
  const entries: Entry[] = [];
  for (const [index, { info, record }] of records.entries()) {
    const parsed = AssetEntry.safeParse(entryInput(record));
    if (parsed.success) {
      entries.push({ ...parsed.data, line: info.lines });
      continue;
    }
    for (const problem of parsed.error.issues) {
      const column = problem.path[0];
      issues.push(
        issue(
          info.lines,
          `assets[${index}]${column === undefined ? '' : `.${String(column)}`}`,
          problem.message,
        ),
      );
    }
  }
  if (issues.length > 0) {
    throw new ConfigFileError(issues);
  }
  return { file, entries };
}
