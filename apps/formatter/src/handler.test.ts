import { describe, expect } from 'vitest';
import { AnalysisSchema, EnrichmentSchema } from '@herald/contracts';
import { claimAlerts, commitAttempts, inTransaction, insertAlerts, STAGES } from '@herald/db';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { loadCorpus } from '@herald/testkit';
import { createFormatHandler } from './handler.ts';
import type { Receiver } from './receivers.ts';

const logger = createSilentLogger();
const actor = { service: 'formatter', replica: 'f1' };
const receivers = new Map<string, Receiver>([
  ['default', { name: 'default', channel: 'email', from: 'Herald <herald@example.com>', to: ['soc@example.com'] }],
]);

const enrichment = EnrichmentSchema.parse({ kind: 'manager', agent: { id: '000', name: 'localhost.localdomain' }, sources: ['alert'], missing: [] });
const analysis = (receiversNamed: string[]) =>
  AnalysisSchema.parse({
    family: 'authentication',
    score: 70,
    priority: 'high',
    reasons: ['rule level 10 of 15'],
    title: 'SSH brute force against localhost.localdomain',
    summary: 'Someone tried many passwords over SSH.',
    whyItMatters: 'A guessed password gives a shell.',
    nextSteps: ['Block the source address.', 'Check for a successful login after the failures.'],
    explainedBy: 'rules',
    receivers: receiversNamed,
  });

describe('format handler', () => {
  test('stores one pending delivery per receiver in the same commit as the move to formatted', async ({ db }) => {
    const [ref] = await insertAlerts(db, [{ identityKey: 'k', body: loadCorpus()[0]!.alert }], actor);
    await db.pool.query(`UPDATE alerts SET state = 'analyzed', enrichment = $2, analysis = $3 WHERE id = $1`, [
      ref!.id,
      JSON.stringify(enrichment),
      JSON.stringify(analysis(['default'])),
    ]);
    const handler = createFormatHandler({ receivers });
    const claimed = await claimAlerts(db.pool, STAGES.format, [ref!.id], actor, 60_000);
    const results = await handler.process(claimed, { logger, signal: new AbortController().signal });
    expect(results).toEqual([{ kind: 'done', id: ref!.id }]);
    await inTransaction(db.pool, async (client) => {
      await commitAttempts(client, STAGES.format, results, actor);
      await handler.persist!(client, results as never);
    });
    const { rows } = await db.pool.query(`SELECT receiver, channel, status, message_key, rendered FROM deliveries`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ receiver: 'default', channel: 'email', status: 'pending', message_key: `<${ref!.id}.default@herald>` });
    expect(rows[0].rendered.to).toEqual(['soc@example.com']);
    expect(rows[0].rendered.subject).toContain('5712');
  });

  test('an alert routed to a receiver nobody configured fails, naming it', async () => {
    const handler = createFormatHandler({ receivers });
    const [result] = await handler.process(
      [{ id: crypto.randomUUID(), claimedFrom: 'analyzed', attempt: 1, retries: 0, lastError: null, body: loadCorpus()[0]!.alert, enrichment, analysis: analysis(['pager']) }],
      { logger, signal: new AbortController().signal },
    );
    expect(result).toMatchObject({ kind: 'fail', error: "no receiver named 'pager' is configured" });
  });
});
