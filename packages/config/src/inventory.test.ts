import { describe, expect, it } from 'vitest';
import { isConfigFileError } from './errors.ts';
import { findAsset, loadInventory, parseInventory } from './inventory.ts';

const INVENTORY = `assets:
  - name: db-01
    criticality: critical
    owner: Dana
    team: dba
    tags: [pci]
  - cidr: 10.0.0.0/16
    criticality: high
    team: datacenter
  - group: web
    criticality: medium
  - name: 'WS-*'
    criticality: low
  - ip: 2001:db8::7
    criticality: high
`;

const inventory = parseInventory(INVENTORY, 'inventory.yaml');

describe('inventory', () => {
  it('matches by name, CIDR, group, glob and IPv6 address', () => {
    expect(findAsset(inventory, { name: 'db-01', ip: '10.0.3.4' })).toEqual({
      asset: { criticality: 'critical', owner: 'Dana', team: 'dba', tags: ['pci'] },
      entry: 0,
      line: 2,
      matchedBy: 'name db-01',
    });
    expect(findAsset(inventory, { name: 'app-7', ip: '10.0.200.9' })).toMatchObject({
      asset: { criticality: 'high', team: 'datacenter' },
      matchedBy: 'cidr 10.0.0.0/16',
      line: 7,
    });
    expect(
      findAsset(inventory, { name: 'front', ip: '192.168.1.1', groups: ['default', 'web'] }),
    ).toMatchObject({
      asset: { criticality: 'medium' },
      matchedBy: 'group web',
    });
    expect(findAsset(inventory, { name: 'ws-0042' })).toMatchObject({
      asset: { criticality: 'low' },
      matchedBy: 'name WS-*',
    });
    expect(findAsset(inventory, { ip: '2001:db8::7' })).toMatchObject({
      asset: { criticality: 'high' },
      matchedBy: 'ip 2001:db8::7',
    });
  });

  it('matches an IPv6 address however the agent writes it (case, zeros, compression)', () => {
    for (const ip of ['2001:DB8::7', '2001:0db8:0000:0000:0000:0000:0000:0007', '2001:db8:0::7']) {
      expect(findAsset(inventory, { ip }), ip).toMatchObject({ matchedBy: 'ip 2001:db8::7' });
    }
    expect(findAsset(inventory, { ip: '2001:db8::8' })).toBeUndefined();
  });

  it('lets the first matching entry win, in file order', () => {
    // db-01 is also inside 10.0.0.0/16 and in group web: the entry above those wins.
    expect(findAsset(inventory, { name: 'db-01', ip: '10.0.0.5', groups: ['web'] })?.entry).toBe(0);
    expect(findAsset(inventory, { name: 'x', ip: '10.0.0.5', groups: ['web'] })?.entry).toBe(1);
  });

  it('answers nothing for an agent no entry is about', () => {
    expect(findAsset(inventory, { name: 'laptop', ip: '172.16.0.1' })).toBeUndefined();
    expect(findAsset(inventory, {})).toBeUndefined();
  });

  it('refuses bad entries with their line', () => {
    const messageOf = (text: string): string => {
      try {
        parseInventory(text, 'inventory.yaml');
      } catch (err) {
        if (isConfigFileError(err)) return err.message;
        throw err;
      }
      return '';
    };
    expect(messageOf(`assets:\n  - name: a\n    criticality: extreme\n`)).toMatch(
      /^inventory\.yaml:3:18: assets\[0\]\.criticality: /,
    );
    expect(messageOf(`assets:\n  - cidr: 10.0.0.0/33\n    criticality: low\n`)).toBe(
      "inventory.yaml:2:11: assets[0].cidr: '10.0.0.0/33' is not a CIDR block such as 10.0.0.0/16",
    );
    expect(
      messageOf(
        `assets:\n  - criticality: low\n  - name: a\n    ip: 10.0.0.1\n    criticality: low\n`,
      ),
    ).toBe(
      [
        'inventory.yaml:2:5: assets[0]: needs exactly one of name, group, ip or cidr to say which agents it is about',
        'inventory.yaml:3:5: assets[1]: needs exactly one of name, group, ip or cidr to say which agents it is about (has name, ip)',
      ].join('\n'),
    );
    expect(messageOf(`assets:\n  - name: a\n    criticality: low\n    onwer: me\n`)).toBe(
      "inventory.yaml:4:5: assets[0].onwer: unknown key 'onwer'",
    );
  });

  it('says so when the file cannot be read', async () => {
    await expect(loadInventory('/nonexistent/inventory.yaml')).rejects.toThrow(
      'cannot read the file (ENOENT)',
    );
  });
});
