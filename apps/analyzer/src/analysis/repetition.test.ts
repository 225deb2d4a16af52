import { describe, expect } from 'vitest';
import { AnalysisSchema } from '@herald/contracts';
import type { ClaimedAlert } from '@herald/db';
import { createSilentLogger } from '@herald/runtime';
import { loadCorpus, test } from '@herald/testkit';
import { createAnalyzeHandler } from '../handler.ts';
import { RepetitionCounter } from './repetition.ts';
import { enrichmentFromAlert, toAlert } from './testing/fixtures.ts';

function claimed(id: string, ruleId: string, agentId: string): ClaimedAlert {
  return {
    id,
    claimedFrom: 'enriched',
    attempt: 1,
    retries: 0,
    lastError: null,
    body: { rule: { id: ruleId, level: 5, description: 'x' }, agent: { id: agentId, name: 'a' } },
    enrichment: null,
    analysis: null,
  };
}

describe('RepetitionCounter', () => {
  test('counts firings per rule and machine across batches and replicas, each alert once', async ({
    redis,
  }) => {
    let nowMs = 1_000_000;
    const options = {
      redis: redis.redis,
      namespace: redis.namespace,
      windowMs: 60_000,
      now: () => nowMs,
    };
    const replicaA = new RepetitionCounter(options);
    const replicaB = new RepetitionCounter(options);

    const first = await replicaA.record([
      claimed('a1', '5710', '001'),
      claimed('a2', '5710', '001'),
      claimed('a3', '5710', '002'),
      claimed('a4', '5715', '001'),
    ]);
    expect([...first.values()].map((r) => r.count)).toEqual([1, 2, 1, 1]);

    nowMs += 10_000;
    const second = await replicaB.record([
      claimed('b1', '5710', '001'),
      claimed('a2', '5710', '001'),
    ]);
    // a2 is a retry of an alert already counted: it does not count again.
    expect(second.get('b1')).toEqual({ count: 3, windowMs: 60_000 });
    expect(second.get('a2')?.count).toBe(3);

    nowMs += 55_000;
    const later = await replicaA.record([claimed('c1', '5710', '001')]);
    // a1 and a2 are older than the window now; b1 is not.
    expect(later.get('c1')?.count).toBe(2);
  });

  test('expires a key once a window passes', async ({ redis }) => {
    const counter = new RepetitionCounter({
      redis: redis.redis,
      namespace: redis.namespace,
      windowMs: 60_000,
    });
    await counter.record([claimed('x1', '5710', '001')]);
    const ttl = await redis.redis.pttl(`{${redis.namespace}}:repeat:5710:001`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});

describe('analyze handler with a repetition counter', () => {
  test('raises the score of a rule that keeps firing on the same machine, saying why', async ({
    redis,
  }) => {
    const body = loadCorpus()[14]!.alert; // line 15: one failed root login, low on its own
    const burst: ClaimedAlert[] = Array.from({ length: 8 }, (_, index) => ({
      ...claimed(`00000000-0000-4000-8000-${String(index).padStart(12, '0')}`, '5716', '005'),
      body,
      enrichment: enrichmentFromAlert(toAlert(body)),
    }));
    const repetition = new RepetitionCounter({
      redis: redis.redis,
      namespace: redis.namespace,
      windowMs: 600_000,
    });
    const handler = createAnalyzeHandler({ minLevel: 0, defaultReceiver: 'soc' }, { repetition });
    const context = { logger: createSilentLogger(), signal: new AbortController().signal };

    const results = await handler.process(burst, context);
    const analyses = burst.map(({ id }) => {
      const result = results.find((r) => r.id === id);
      return AnalysisSchema.parse(result?.kind === 'done' ? result.analysis : undefined);
    });

    expect(analyses[0]!.score).toBe(35);
    expect(analyses[7]!.score).toBe(41);
    expect(analyses[7]!.priority).toBe('medium');
    expect(analyses[7]!.reasons).toContain(
      'rule fired 8 times on this machine in the last 10 min (+6)',
    );
  });
});
