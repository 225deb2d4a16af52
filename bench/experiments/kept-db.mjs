// Opens the PostgreSQL cluster of a bench run kept with --keep (<folder>/postgres), on a
// free loopback port, for the one-off experiments in this folder.
import { readFileSync } from 'node:fs';
import { freePort, startPostgres } from '../../scripts/local-services.mjs';
import { ensureServerBinaries } from '../../scripts/toolchain.mjs';
import { loadPg } from '../lib/deps.mjs';

export async function openKeptDatabase(dataDir) {
  if (!dataDir) {
    throw new Error('usage: node bench/experiments/<name>.mjs <kept bench folder>/postgres');
  }
  const server = await startPostgres({
    binaries: ensureServerBinaries(),
    dataDir,
    port: await freePort(),
    database: 'herald',
  });
  const pg = loadPg();
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  return {
    client,
    /** CPU seconds the connection's backend used so far (utime + stime, /proc). */
    backendCpuSeconds() {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async close() {
      await client.end();
      await server.stop();
    },
  };
}
