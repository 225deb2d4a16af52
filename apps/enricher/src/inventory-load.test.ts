import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@herald/testkit';
import { loadConfiguredInventory } from './inventory-load.ts';

const CONFIG = `inventory: assets/inventory.yaml
receivers:
  - name: soc
    email: { to: [soc@example.com] }
route: { receiver: soc }
`;

async function folder(inventory: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-enricher-inventory-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'herald.yaml'), CONFIG);
  await writeFile(join(dir, 'assets/inventory.yaml'), inventory);
  return dir;
}

describe('loadConfiguredInventory', () => {
  it('reads the inventory the config file names, relative to the config file', async () => {
    const dir = await folder('assets:\n  - name: db-01\n    criticality: critical\n');
    const inventory = await loadConfiguredInventory(join(dir, 'herald.yaml'), {});
    expect(inventory?.file).toBe(join(dir, 'assets/inventory.yaml'));
    expect(inventory?.entries).toHaveLength(1);
  });

  it('has no inventory without a config file', async () => {
    expect(await loadConfiguredInventory(undefined, {})).toBeUndefined();
  });

  it('stops the enricher at start, naming the inventory line, when an entry is wrong', async () => {
    const dir = await folder(
      'assets:\n  - name: db-01\n    criticality: critical\n  - ip: 10.0.0.300\n    criticality: low\n',
    );
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/enricher/src/main.ts')], {
      env: {
        PATH: process.env.PATH,
        HERALD_CONFIG: join(dir, 'herald.yaml'),
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
      `invalid configuration:\n${join(dir, 'assets/inventory.yaml')}:4:9: assets[1].ip: is not an IPv4 or IPv6 address\n`,
    );
    expect(code).toBe(1);
  });
});
