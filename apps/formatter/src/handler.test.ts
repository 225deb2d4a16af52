import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { AnalysisSchema, EnrichmentSchema, RenderedMessageSchema } from '@herald/contracts';
import type { ReceiverConfig } from '@herald/config';
import { claimAlerts, commitAttempts, inTransaction, insertAlerts, STAGES } from '@herald/db';
import { test } from '@herald/db/testing';
import { createSilentLogger } from '@herald/runtime';
import { loadCorpus } from '@herald/testkit';
import { createFormatHandler } from './handler.ts';
import { receiversFromConfig } from './receivers.ts';

const logger = createSilentLogger();
const actor = { service: 'formatter', replica: 'f1' };
const configured: ReceiverConfig[] = [
  { name: 'default', email: { to: ['soc@example.com'] } },
  { name: 'chat', slack: { webhook_url: 'http://127.0.0.1:9/hook' } },
  { name: 'pager', pagerduty: { routing_key: 'k', url: 'http://127.0.0.1:9/enqueue' } },
];
const receivers = receiversFromConfig(configured, { mailFrom: 'Herald <herald@example.com>' });

const enrichment = EnrichmentSchema.parse({
  kind: 'manager',
  agent: { id: '000', name: 'localhost.localdomain' },
  sources: ['alert'],
  missing: [],
});
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

const context = () => ({ logger, signal: new AbortController().signal });

/** The first corpus alert as the formatter claims it, routed to `receiversNamed`. */
const claimed = (receiversNamed: string[], id: string = crypto.randomUUID()) => ({
  id,
  claimedFrom: 'analyzed' as const,
  attempt: 1,
  retries: 0,
  lastError: null,
  body: loadCorpus()[0]!.alert,
  enrichment,
  analysis: analysis(receiversNamed),
});

describe('format handler', () => {
  test('stores one pending delivery per receiver, rendered for its channel, in the commit that moves the alert', async ({
    db,
  }) => {
    const [ref] = await insertAlerts(
      db,
      [{ identityKey: 'k', body: loadCorpus()[0]!.alert }],
      actor,
    );
    await db.pool.query(
      `UPDATE alerts SET state = 'analyzed', enrichment = $2, analysis = $3 WHERE id = $1`,
      [ref!.id, JSON.stringify(enrichment), JSON.stringify(analysis(['default', 'chat', 'pager']))],
    );
    const handler = createFormatHandler({ receivers });
    const claimed = await claimAlerts(db.pool, STAGES.format, [ref!.id], actor, 60_000);
    const results = await handler.process(claimed, context());
    expect(results).toMatchObject([{ kind: 'done', id: ref!.id }]);
    await inTransaction(db.pool, async (client) => {
      await commitAttempts(client, STAGES.format, results, actor);
      await handler.persist!(client, results as never);
    });
    const { rows } = await db.pool.query(
      `SELECT receiver, channel, status, message_key, rendered FROM deliveries ORDER BY receiver`,
    );
    expect(rows.map((row) => [row.receiver, row.channel, row.status, row.message_key])).toEqual([
      ['chat', 'slack', 'pending', `<${ref!.id}.chat@herald>`],
      ['default', 'email', 'pending', `<${ref!.id}.default@herald>`],
      ['pager', 'pagerduty', 'pending', `<${ref!.id}.pager@herald>`],
    ]);
    for (const row of rows) {
      expect(RenderedMessageSchema.parse(row.rendered).channel).toBe(row.channel);
    }
    expect(rows[1].rendered.to).toEqual(['soc@example.com']);
    expect(rows[1].rendered.subject).toContain('5712');
    expect(rows[2].rendered.payload.dedup_key).toBe(`herald/alert/${ref!.id}`);
  });

  test('two batches processed before either persists each store their own messages', async ({
    db,
  }) => {
    const corpus = loadCorpus();
    const refs = await insertAlerts(
      db,
      [0, 1].map((index) => ({ identityKey: `k${index}`, body: corpus[index]!.alert })),
      actor,
    );
    for (const ref of refs) {
      await db.pool.query(
        `UPDATE alerts SET state = 'analyzed', enrichment = $2, analysis = $3 WHERE id = $1`,
        [ref.id, JSON.stringify(enrichment), JSON.stringify(analysis(['chat']))],
      );
    }
    const handler = createFormatHandler({ receivers });
    const [first, second] = await Promise.all(
      refs.map(async (ref) =>
        handler.process(
          await claimAlerts(db.pool, STAGES.format, [ref.id], actor, 60_000),
          context(),
        ),
      ),
    );
    for (const results of [second!, first!]) {
      await inTransaction(db.pool, async (client) => {
        await commitAttempts(client, STAGES.format, results, actor);
        await handler.persist!(client, results as never);
      });
    }
    const { rows } = await db.pool.query(`SELECT alert_id FROM deliveries ORDER BY alert_id`);
    expect(rows.map((row) => row.alert_id)).toEqual(refs.map((ref) => ref.id).sort());
  });

  test('the receivers of one alert, rendered from one view, get what each would get alone', async () => {
    const handler = createFormatHandler({ receivers, publicUrl: 'https://herald.example.com' });
    const deliveriesOf = async (receiversNamed: string[]) => {
      const [result] = await handler.process(
        [claimed(receiversNamed, '00000000-0000-4000-8000-000000000001')],
        context(),
      );
      return (result as unknown as { deliveries: unknown[] }).deliveries;
    };

    const alone = [
      ...(await deliveriesOf(['default'])),
      ...(await deliveriesOf(['chat'])),
      ...(await deliveriesOf(['pager'])),
    ];
    expect(await deliveriesOf(['default', 'chat', 'pager'])).toEqual(alone);
  });

  test('an alert routed to a receiver nobody configured fails, naming it', async () => {
    const handler = createFormatHandler({ receivers });
    const [result] = await handler.process([claimed(['nobody'])], context());
    expect(result).toMatchObject({
      kind: 'fail',
      error: "no receiver named 'nobody' is configured",
    });
  });

  test('a template that fails to render fails the alert, naming the receiver and the file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'herald-template-'));
    const file = path.join(dir, 'body.liquid');
    writeFileSync(file, '{{ summary | append: nosuchvariable }}');
    const broken = receiversFromConfig(
      [{ name: 'chat', slack: { webhook_url: 'http://127.0.0.1:9/hook' }, template: file }],
      { mailFrom: 'h@example.com' },
    );
    const handler = createFormatHandler({ receivers: broken });
    const [result] = await handler.process([claimed(['chat'])], context());
    expect(result).toMatchObject({ kind: 'fail' });
    expect((result as { error: string }).error).toContain("receiver 'chat'");
    expect((result as { error: string }).error).toContain(file);
  });
});
