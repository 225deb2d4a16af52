// Ingest's insert of one alert sent unnamed (parsed and planned on every call, as now)
// against named (prepared once per connection): the backend's CPU per call.
// node bench/experiments/prepared.mjs <kept bench folder>/postgres
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/toolchain.mjs';
import { loadCorpus } from '../lib/alerts.mjs';
import { openKeptDatabase } from './kept-db.mjs';

const source = readFileSync(join(repoRoot, 'packages/db/src/alerts.ts'), 'utf8');
const sql = /`(WITH input AS[\s\S]*?)`/.exec(source)[1];
const body = JSON.stringify(loadCorpus()[0]);
const db = await openKeptDatabase(process.argv[2]);
const { client } = db;
const values = () => [
  [randomUUID()],
  [`experiment:${randomUUID()}`],
  ['1'],
  ['manager'],
  ['5712'],
  [10],
  ['001'],
  ['host'],
  [body],
  'experiment',
  'experiment',
];
// Commits without waiting for the WAL flush, so the figure is the statement's own cost.
await client.query('SET synchronous_commit = off');
for (let pass = 0; pass < 2; pass += 1) {
  for (const named of [false, true]) {
    const cpu = db.backendCpuSeconds();
    const calls = 3000;
    for (let i = 0; i < calls; i += 1) {
      await client.query(
        named
          ? { name: 'insert-alerts', text: sql, values: values() }
          : { text: sql, values: values() },
      );
    }
    const ms = ((db.backendCpuSeconds() - cpu) * 1000) / calls;
    console.log(
      `${named ? 'named (prepared)' : 'unnamed (as now)'}: ${ms.toFixed(3)} ms backend CPU per insert`,
    );
  }
}
await db.close();
