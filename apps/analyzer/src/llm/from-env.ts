import { Counter, type Logger, type Registry } from '@herald/runtime';
import type { HandlerContext } from '@herald/stage';
import type { Redis } from 'ioredis';
import { ChatCompletionsClient } from './client.ts';
import { LlmExplainer, type LlmOutcome } from './explainer.ts';
import { LlmSharedState } from './shared-state.ts';

/** The parsed LLM settings (see env.ts). */
export interface LlmEnv {
  HERALD_LLM_URL?: string | undefined;
  HERALD_LLM_MODEL?: string | undefined;
  HERALD_LLM_API_KEY?: string | undefined;
  HERALD_LLM_TIMEOUT_MS: number;
  HERALD_LLM_HOURLY_BUDGET: number;
  HERALD_LLM_CACHE_TTL_MS: number;
  HERALD_LLM_CONCURRENCY: number;
  HERALD_LLM_REDACT_FIELDS: readonly string[];
  HERALD_REDIS_NAMESPACE: string;
}

// The client's own timeout fires first and says so; the breaker's is the backstop.
const BREAKER_TIMEOUT_MARGIN_MS = 1_000;

const LOG_LEVEL: Record<LlmOutcome, 'debug' | 'info' | 'warn'> = {
  written: 'debug',
  cached: 'debug',
  'over-budget': 'debug',
  'breaker-open': 'debug',
  'rate-limited': 'info',
  failed: 'warn',
  // Most likely instructions planted in the alert: worth a look.
  dismissive: 'warn',
};

/**
 * The analyzer's explainer from its settings, with a breaker named after the endpoint's
 * host, outcomes logged (never the prompt, the answer or the key) and counted in
 * `herald_llm_outcomes_total`. Undefined when no endpoint is configured.
 */
export function createLlmExplainer(
  env: LlmEnv,
  deps: {
    redis: Redis;
    logger: Logger;
    registry: Registry;
    /** The process's breaker registry (published to every replica, obeying pauses). */
    breakers: HandlerContext['breakers'];
  },
): LlmExplainer | undefined {
  const { logger } = deps;
  if (!env.HERALD_LLM_URL || !env.HERALD_LLM_MODEL) {
    logger.info('HERALD_LLM_URL not set: the rules write every explanation');
    return undefined;
  }
  const client = new ChatCompletionsClient({
    baseUrl: env.HERALD_LLM_URL,
    model: env.HERALD_LLM_MODEL,
    apiKey: env.HERALD_LLM_API_KEY,
    timeoutMs: env.HERALD_LLM_TIMEOUT_MS,
  });
  const breaker = deps
    .breakers({ callTimeoutMs: env.HERALD_LLM_TIMEOUT_MS + BREAKER_TIMEOUT_MARGIN_MS })
    .get(`llm:${client.destination}`);
  const outcomes = new Counter({
    name: 'herald_llm_outcomes_total',
    help: 'Alerts offered to the language model, by outcome (written and cached use its text)',
    labelNames: ['outcome'],
    registers: [deps.registry],
  });
  logger.info(
    {
      llm: client.destination,
      model: env.HERALD_LLM_MODEL,
      hourlyBudget: env.HERALD_LLM_HOURLY_BUDGET,
    },
    'language model configured for explanations',
  );

  return new LlmExplainer({
    model: client,
    breaker,
    state: new LlmSharedState({
      redis: deps.redis,
      namespace: env.HERALD_REDIS_NAMESPACE,
      hourlyBudget: env.HERALD_LLM_HOURLY_BUDGET,
      cacheTtlMs: env.HERALD_LLM_CACHE_TTL_MS,
    }),
    redactedFields: env.HERALD_LLM_REDACT_FIELDS,
    concurrency: env.HERALD_LLM_CONCURRENCY,
    onOutcome: ({ outcome, family, ruleId, error }) => {
      outcomes.inc({ outcome });
      logger[LOG_LEVEL[outcome]](
        { err: error, outcome, family, ruleId },
        'llm explanation outcome',
      );
    },
  });
}
