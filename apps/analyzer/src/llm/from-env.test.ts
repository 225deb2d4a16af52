import { afterEach, describe, expect } from 'vitest';
import { createMetricsRegistry, createSilentLogger } from '@herald/runtime';
import { createBreakerRegistry } from '@herald/stage';
import { test } from '@herald/testkit';
import { AnalyzerEnv } from '../env.ts';
import { createLlmExplainer } from './from-env.ts';
import { inputFor } from './test-support.ts';
import { startFakeChatApi, type FakeChatApi } from './testing/fake-chat-api.ts';

let api: FakeChatApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const stores = {
  DATABASE_URL: 'postgresql://herald@localhost/herald',
  REDIS_URL: 'redis://localhost:6379',
};

describe('createLlmExplainer', () => {
  test('is off without HERALD_LLM_URL', async ({ redis }) => {
    const env = AnalyzerEnv.parse({ ...stores });
    const registry = createMetricsRegistry('analyzer');
    const deps = {
      redis: redis.redis,
      logger: createSilentLogger(),
      registry,
      breakers: () => createBreakerRegistry(createSilentLogger(), registry),
    };
    expect(createLlmExplainer(env, deps)).toBeUndefined();
  });

  test('builds the explainer from the settings and counts its outcomes', async ({ redis }) => {
    api = await startFakeChatApi();
    const env = AnalyzerEnv.parse({
      ...stores,
      HERALD_REDIS_NAMESPACE: redis.namespace,
      HERALD_LLM_URL: api.url,
      HERALD_LLM_MODEL: 'local-model',
      HERALD_LLM_API_KEY: 'sk-from-env',
      HERALD_LLM_REDACT_FIELDS: 'data.srcip',
    });
    const registry = createMetricsRegistry('analyzer');
    const explainer = createLlmExplainer(env, {
      redis: redis.redis,
      logger: createSilentLogger(),
      registry,
      breakers: (defaults) => createBreakerRegistry(createSilentLogger(), registry, defaults),
    });

    const improved = await explainer!.improve(inputFor(1));

    expect(improved.explainedBy).toBe('llm');
    expect(api.requests[0]).toMatchObject({
      authorization: 'Bearer sk-from-env',
      body: { model: 'local-model' },
    });
    const prompt = api.requests[0]!.body.messages![1]!.content;
    expect(prompt).not.toContain('172.17.1.1');
    expect(prompt).toContain('baduser');
    expect(await registry.metrics()).toMatch(
      /herald_llm_outcomes_total\{outcome="written",service="analyzer"\} 1/,
    );
  });

  test('refuses a URL without a model, naming the variable', () => {
    const parsed = AnalyzerEnv.safeParse({ ...stores, HERALD_LLM_URL: 'http://127.0.0.1:1/v1' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['HERALD_LLM_MODEL']);
  });
});
