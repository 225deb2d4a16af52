import { describe, expect, it } from 'vitest';
import { AnalysisSchema, type Enrichment } from '@herald/contracts';
import type { ClaimedAlert } from '@herald/db';
import { createSilentLogger } from '@herald/runtime';
import { loadCorpus } from '@herald/testkit';
import { createAnalyzeHandler } from './handler.ts';

const logger = createSilentLogger();
const context = { logger, signal: new AbortController().signal };
const enrichment: Enrichment = { kind: 'manager', agent: { id: '000', name: 'localhost.localdomain' }, sources: ['alert'], missing: [] };

function claimed(line: number, overrides: Partial<ClaimedAlert> = {}): ClaimedAlert {
  return {
    id: crypto.randomUUID(),
    claimedFrom: 'enriched',
    attempt: 1,
    retries: 0,
    lastError: null,
    body: loadCorpus()[line - 1]!.alert,
    enrichment,
    analysis: null,
    ...overrides,
  };
}

describe('analyze handler', () => {
  it('routes an alert at or above the minimum level to the default receiver', async () => {
    const handler = createAnalyzeHandler({ minLevel: 3, defaultReceiver: 'soc' });
    const [result] = await handler.process([claimed(1)], context);
    expect(result).toMatchObject({ kind: 'done' });
    const analysis = AnalysisSchema.parse(result?.kind === 'done' ? result.analysis : undefined);
    expect(analysis.receivers).toEqual(['soc']);
    expect(analysis.explainedBy).toBe('rules');
    expect(result?.kind === 'done' && result.to).toBeUndefined();
  });

  it('suppresses an alert below the minimum level, saying why, and still stores its analysis', async () => {
    const handler = createAnalyzeHandler({ minLevel: 11, defaultReceiver: 'soc' });
    const [result] = await handler.process([claimed(1)], context);
    expect(result).toMatchObject({
      kind: 'done',
      to: 'suppressed',
      note:
        'no route matched and the root route names no receiver: route.routes[0] (notify-min-level):' +
        ' rule.level>=11 does not hold (rule.level is 10)',
      analysis: { receivers: [] },
    });
  });

  it('fails an alert whose stored enrichment is unreadable', async () => {
    const handler = createAnalyzeHandler({ minLevel: 0, defaultReceiver: 'soc' });
    const [result] = await handler.process([claimed(1, { enrichment: { kind: 'martian' } })], context);
    expect(result).toMatchObject({ kind: 'fail' });
    expect(result?.kind === 'fail' && result.error).toMatch(/^enrichment unreadable/);
  });

  it('analyses every corpus alert into a valid analysis', async () => {
    const handler = createAnalyzeHandler({ minLevel: 0, defaultReceiver: 'soc' });
    const results = await handler.process(loadCorpus().map(({ line }) => claimed(line)), context);
    expect(results.every((r) => r.kind === 'done')).toBe(true);
  });
});
