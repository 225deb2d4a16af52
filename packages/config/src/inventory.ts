import { isIP } from 'node:net';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import { ConfigFileError } from './errors.ts';
import { parseInventoryCsv } from './inventory-csv.ts';
import { AssetEntry, type Criticality, type Entry } from './inventory-entry.ts';
import { parseYamlSource } from './yaml-source.ts';
import { issuesFromZod } from './zod-issues.ts';

const InventoryFile = z.strictObject({ assets: z.array(AssetEntry) });

/** What the inventory says about a machine (the enrichment's `asset`). */
export interface AssetRecord {
  criticality: Criticality;
  owner?: string;
  team?: string;
  tags?: string[];
}

/** The agent facts an inventory entry can match on. */
export interface InventoryAgent {
  name?: string | undefined;
  ip?: string | undefined;
  groups?: readonly string[] | undefined;
}

/** The inventory's answer for one agent: the entry that matched and why. */
export interface InventoryMatch {
  asset: AssetRecord;
  /** Index of the entry in the file and its line, so an operator can find it. */
  entry: number;
  line: number;
  /** `name web-*`, `cidr 10.0.0.0/16`... */
  matchedBy: string;
}

/** A validated asset inventory. Entries are tried in file order; the first match wins. */
export interface Inventory {
  readonly file: string;
  readonly entries: readonly Entry[];
}

function ipFamily(ip: string): 'ipv4' | 'ipv6' | undefined {
  const family = isIP(ip);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : undefined;
}

function entryMatches(entry: Entry, agent: InventoryAgent): string | undefined {
  if (entry.name !== undefined && agent.name !== undefined && entry.name.pattern.test(agent.name)) {
    return `name ${entry.name.text}`;
  }
  if (entry.group !== undefined && agent.groups?.includes(entry.group)) {
    return `group ${entry.group}`;
  }
  const family = agent.ip === undefined ? undefined : ipFamily(agent.ip);
  if (entry.ip !== undefined && agent.ip !== undefined && family) {
    if (entry.ip.block.check(agent.ip, family)) return `ip ${entry.ip.text}`;
  }
  if (
    entry.cidr !== undefined &&
    agent.ip !== undefined &&
    family &&
    entry.cidr.block.check(agent.ip, family)
  ) {
    return `cidr ${entry.cidr.text}`;
  }
  return undefined;
}

/**
 * The first inventory entry that matches the agent, in file order. First match (not most
 * specific) is the rule because an operator can read it off the file top to bottom, like a
 * firewall: put exceptions (one host) above the rules they override (its subnet).
 */
export function findAsset(inventory: Inventory, agent: InventoryAgent): InventoryMatch | undefined {
  for (const [index, entry] of inventory.entries.entries()) {
    const matchedBy = entryMatches(entry, agent);
    if (matchedBy === undefined) continue;
    const asset: AssetRecord = {
      criticality: entry.criticality,
      ...(entry.owner ? { owner: entry.owner } : {}),
      ...(entry.team ? { team: entry.team } : {}),
      ...(entry.tags ? { tags: entry.tags } : {}),
    };
    return { asset, entry: index, line: entry.line, matchedBy };
  }
  return undefined;
}

/**
 * Validates inventory YAML text: `assets:`, a list of entries, each with exactly one of
 * name, group, ip or cidr, a criticality, and optionally owner, team and tags.
 *
 * @throws ConfigFileError with file, line and path of every problem.
 */
export function parseInventory(text: string, file: string): Inventory {
  const source = parseYamlSource(text, file);
  const parsed = InventoryFile.safeParse(source.value ?? {});
  if (!parsed.success) {
    throw new ConfigFileError(issuesFromZod(parsed.error, source), { cause: parsed.error });
  }
  return {
    file,
    entries: parsed.data.assets.map((entry, index) => ({
      ...entry,
      line: source.locate(['assets', index]).line,
    })),
  };
}

/**
 * Reads and validates the inventory at `path` (the config's `inventory:`): CSV when the name
 * ends in `.csv` (see parseInventoryCsv), YAML otherwise.
 *
 * @throws ConfigFileError when the file cannot be read or is invalid.
 */
export async function loadInventory(path: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigFileError(
      [{ file: path, line: 0, column: 0, path: '', message: `cannot read the file (${reason})` }],
      {
        cause: err,
      },
    );
  }
  return extname(path).toLowerCase() === '.csv'
    ? parseInventoryCsv(text, path)
    : parseInventory(text, path);
}
