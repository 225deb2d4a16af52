import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isConfigFileError } from './errors.ts';
import { findAsset, loadInventory } from './inventory.ts';
import { parseInventoryCsv } from './inventory-csv.ts';

const CSV = `# exported from the CMDB
Name,group,ip,cidr,criticality,owner,team,tags
db-01,,,,critical,Dana,dba,pci;production
,,,10.0.0.0/16,high,,datacenter,
"web-*",,,,medium,"Web, Platform",web,internet-facing
`;

function messageOf(text: string): string {
  try {
    parseInventoryCsv(text, 'inventory.csv');
  } catch (err) {
    if (isConfigFileError(err)) return err.message;
    throw err;
  }
  return '';
}

describe('CSV inventory', () => {
  it('reads one entry per row, matched as the YAML form is, first match winning', () => {
    const inventory = parseInventoryCsv(CSV, 'inventory.csv');
    expect(inventory.entries.map((e) => e.line)).toEqual([3, 4, 5]);
    expect(findAsset(inventory, { name: 'db-01', ip: '10.0.0.9' })).toMatchObject({
      asset: { criticality: 'critical', owner: 'Dana', team: 'dba', tags: ['pci', 'production'] },
      line: 3,
      matchedBy: 'name db-01',
    });
    expect(findAsset(inventory, { name: 'x', ip: '10.0.200.1' })?.asset).toEqual({
      criticality: 'high',
      team: 'datacenter',
    });
    expect(findAsset(inventory, { name: 'WEB-7' })?.asset).toEqual({
      criticality: 'medium',
      owner: 'Web, Platform',
      team: 'web',
      tags: ['internet-facing'],
    });
  });

  it('names the line and column of a bad row', () => {
    const lines = messageOf(
      'name,ip,criticality\ndb-01,,critical\n,10.0.0.999,low\na,,urgent\n',
    ).split('\n');
    expect(lines[0]).toBe('inventory.csv:3:1: assets[1].ip: is not an IPv4 or IPv6 address');
    expect(lines[1]).toMatch(/^inventory\.csv:4:1: assets\[2\]\.criticality: /);
  });

  it('refuses unknown columns and malformed CSV', () => {
    expect(messageOf('name,critcality\ndb-01,high\n')).toBe(
      "inventory.csv:1:1: unknown column 'critcality': the columns are name, group, ip, cidr, criticality, owner, team, tags",
    );
    expect(messageOf('name,criticality\ndb-01,high,extra\n')).toMatch(
      /^inventory\.csv:2:1: not valid CSV: /,
    );
  });

  it('is chosen by loadInventory for a .csv file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-inventory-'));
    await writeFile(join(dir, 'assets.csv'), CSV);
    expect((await loadInventory(join(dir, 'assets.csv'))).entries).toHaveLength(3);
  });
});
