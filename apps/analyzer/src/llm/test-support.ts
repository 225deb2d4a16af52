import { CircuitBreaker } from '@herald/breaker';
import type { Redis } from 'ioredis';
import { analyzeAlert } from '../analysis/analyze.ts';
import { corpusAlert, enrichmentFromAlert } from '../analysis/testing/fixtures.ts';
import { ChatCompletionsClient } from './client.ts';
import {
  LlmExplainer,
  type LlmExplainerOptions,
  type LlmInput,
  type LlmOutcomeEvent,
} from './explainer.ts';
import { DEFAULT_REDACTED_FIELDS } from './redact.ts';
import { LlmSharedState } from './shared-state.ts';

/** A corpus alert with its enrichment from the alert alone and Herald's analysis. */
export function inputFor(
  line: number,
  change: (alert: LlmInput['alert']) => void = () => {},
): LlmInput {
  const alert = corpusAlert(line);
  change(alert);
  const enrichment = enrichmentFromAlert(alert);
  return { alert, enrichment, analysis: analyzeAlert(alert, enrichment) };
}

/** An explainer against `url`, its outcomes collected; options override the test defaults. */
export function explainerFor(
  url: string,
  redis: { redis: Redis; namespace: string },
  options: Partial<LlmExplainerOptions> & { hourlyBudget?: number; timeoutMs?: number } = {},
): { explainer: LlmExplainer; outcomes: LlmOutcomeEvent[]; breaker: CircuitBreaker } {
  const outcomes: LlmOutcomeEvent[] = [];
  const breaker = new CircuitBreaker({
    name: 'llm:test',
    minimumCalls: 3,
    failureRateThreshold: 0.5,
  });
  const explainer = new LlmExplainer({
    model: new ChatCompletionsClient({
      baseUrl: url,
      model: 'fake-model',
      apiKey: 'sk-test-key',
      timeoutMs: options.timeoutMs ?? 5_000,
    }),
    breaker,
    state: new LlmSharedState({
      redis: redis.redis,
      namespace: redis.namespace,
      hourlyBudget: options.hourlyBudget ?? 100,
      cacheTtlMs: 60_000,
    }),
    redactedFields: DEFAULT_REDACTED_FIELDS,
    concurrency: 4,
    onOutcome: (event) => outcomes.push(event),
    ...options,
  });
  return { explainer, outcomes, breaker };
}
