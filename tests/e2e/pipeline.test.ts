import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  createTestRedis,
  loadCorpus,
  REPO_ROOT,
  waitFor,
} from '@herald/testkit';
import { startPipeline, SERVICE_NAMES, type Pipeline } from './pipeline.ts';

const run = promisify(execFile);
const corpus = loadCorpus();

/** Runs the Wazuh integration script exactly as integratord does: alert file, key, URL. */
async function postWithIntegration(pipeline: Pipeline, rawAlert: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-integration-'));
  const alertFile = join(dir, 'alert.json');
  writeFileSync(alertFile, `${rawAlert}\n`);
  await run('python3', [
    join(REPO_ROOT, 'integrations/custom-herald/custom-herald'),
    alertFile,
    pipeline.apiKey,
    `${pipeline.apiUrl}/v1/alerts`,
    '',
    '',
  ]);
}

async function postNdjson(pipeline: Pipeline, lines: string[]): Promise<Response> {
  return fetch(`${pipeline.apiUrl}/v1/alerts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pipeline.apiKey}`, 'content-type': 'application/x-ndjson' },
    body: `${lines.join('\n')}\n`,
  });
}

function emlFiles(pipeline: Pipeline): string[] {
  return readdirSync(pipeline.mailboxDir).filter((name) => name.endsWith('.eml'));
}

describe('Herald end to end, five processes on real Redis and PostgreSQL', { timeout: 120_000 }, () => {
  let pipeline: Pipeline;
  let pool: pg.Pool;
  let cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const database = await createTestDatabase();
    const redis = await createTestRedis();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pipeline = await startPipeline({ databaseUrl: database.url, redisUrl: redis.url, namespace: redis.namespace });
    cleanup = [() => pipeline.stop(), () => pool.end(), () => redis.close(), () => database.drop()];
  }, 120_000);

  afterAll(async () => {
    for (const step of cleanup) await step();
  }, 60_000);

  async function stateCounts(): Promise<Record<string, number>> {
    const { rows } = await pool.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM alerts GROUP BY state',
    );
    return Object.fromEntries(rows.map((row) => [row.state, row.n]));
  }

  async function waitAllSent(expected: number): Promise<void> {
    await waitFor(
      `${expected} alerts in state sent`,
      async () => {
        const counts = await stateCounts();
        if (counts.error) {
          const { rows } = await pool.query(`SELECT id, error FROM alerts WHERE state = 'error'`);
          throw new Error(`alerts in error: ${JSON.stringify(rows)}`);
        }
        return counts.sent === expected && Object.keys(counts).length === 1;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
  }

  it('delivers every corpus alert posted through the Wazuh integration as one email each', async () => {
    for (const { raw } of corpus) {
      await postWithIntegration(pipeline, raw);
    }
    await waitAllSent(corpus.length);
    expect(emlFiles(pipeline)).toHaveLength(corpus.length);

    const { rows } = await pool.query<{ id: string; body: any; analysis: any; enrichment: any }>(
      'SELECT id, body, analysis, enrichment FROM alerts',
    );
    for (const row of rows) {
      const file = emlFiles(pipeline).find((name) => name.includes(row.id));
      expect(file, `an .eml for alert ${row.id}`).toBeDefined();
      const eml = readFileSync(join(pipeline.mailboxDir, file!), 'utf8');
      // Header names are case-insensitive (RFC 5322); nodemailer writes `…-ID`.
      expect(eml).toMatch(new RegExp(`^X-Herald-Alert-Id: ${row.id}\r?$`, 'mi'));
      expect(eml).toMatch(new RegExp(`^X-Herald-Rule-Id: ${String(row.body.rule.id)}\r?$`, 'mi'));
      expect(eml).toMatch(new RegExp(`^X-Herald-Rule-Level: ${row.body.rule.level}\r?$`, 'mi'));
      const text = decodedText(eml);
      expect(text).toContain(String(row.body.rule.id));
      expect(text).toContain(row.enrichment.agent.name);
      expect(text).toContain(row.analysis.summary.slice(0, 40));
    }
  });

  it('turns a repeated post into one alert and one email', async () => {
    const [first] = corpus;
    const before = emlFiles(pipeline).length;
    const response = await postNdjson(pipeline, [first!.raw]);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { accepted: { duplicate: boolean }[] };
    expect(body.accepted[0]!.duplicate).toBe(true);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM alerts');
    expect(rows[0].n).toBe(corpus.length);
    expect(emlFiles(pipeline)).toHaveLength(before);
  });

  it('rejects a malformed alert by position and delivers the ones around it', async () => {
    const fresh = (n: number) => JSON.stringify({ ...corpus[0]!.alert, id: `e2e-batch.${n}` });
    const response = await postNdjson(pipeline, [fresh(1), '{"rule": {"id": "1"}}', fresh(2)]);
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      accepted: { index: number }[];
      rejected: { index: number; errors: { field: string }[] }[];
    };
    expect(body.accepted.map((a) => a.index)).toEqual([0, 2]);
    expect(body.rejected[0]!.index).toBe(1);
    expect(body.rejected[0]!.errors.map((e) => e.field)).toEqual(
      expect.arrayContaining(['timestamp', 'rule.level', 'rule.description']),
    );
    await waitAllSent(corpus.length + 2);
  });

  it.each(SERVICE_NAMES)('loses no alert when %s is killed with SIGKILL mid-flight', async (name) => {
    const before = (await stateCounts()).sent ?? 0;
    const batch = corpus.map(({ alert }, index) => JSON.stringify({ ...alert, id: `kill-${name}.${index}` }));
    // Settled at once, so a request that dies with the process is an outcome, not an
    // unhandled rejection.
    const posting = postNdjson(pipeline, batch.slice(0, 12)).then(
      (response) => response,
      (err: unknown) => err,
    );
    await pipeline.services.get(name)!.kill('SIGKILL');
    if (name === 'ingest-api') {
      // The request may have died with the process; the client retries, as Wazuh's would.
      await posting;
      await pipeline.start(name);
      expect((await postNdjson(pipeline, batch.slice(0, 12))).status).toBe(202);
    } else {
      const response = await posting;
      expect(response instanceof Response && response.status).toBe(202);
      await pipeline.start(name);
    }
    expect((await postNdjson(pipeline, batch.slice(12))).status).toBe(202);
    await waitAllSent(before + batch.length);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered'`,
    );
    expect(rows[0].n).toBe(before + batch.length);
    expect(emlFiles(pipeline)).toHaveLength(before + batch.length);
  });

  it('stops every service with exit 0 on SIGTERM while alerts are in flight, losing none', async () => {
    const before = (await stateCounts()).sent ?? 0;
    const batch = corpus.map(({ alert }, index) => JSON.stringify({ ...alert, id: `sigterm.${index}` }));
    expect((await postNdjson(pipeline, batch)).status).toBe(202);
    const exits = await Promise.all(SERVICE_NAMES.map((name) => pipeline.services.get(name)!.kill('SIGTERM')));
    expect(exits).toEqual(SERVICE_NAMES.map(() => 0));
    for (const name of SERVICE_NAMES) {
      expect(pipeline.services.get(name)!.output()).toContain('"msg":"service stopped"');
    }
    for (const name of SERVICE_NAMES) await pipeline.start(name);
    await waitAllSent(before + batch.length);
    expect(emlFiles(pipeline)).toHaveLength(before + batch.length);
  });
});

/** The text/plain part of an .eml, with quoted-printable and base64 undone. */
function decodedText(eml: string): string {
  const qp = eml.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const base64Parts = [...eml.matchAll(/Content-Transfer-Encoding: base64\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/g)].map(
    (m) => Buffer.from(m[1]!.replace(/\s/g, ''), 'base64').toString('utf8'),
  );
  return Buffer.from(qp, 'latin1').toString('utf8') + base64Parts.join('\n');
}
