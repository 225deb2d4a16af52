import { createHash, randomUUID } from 'node:crypto';
import { isBrokenCircuitError, type BreakerExecutor } from '@herald/breaker';
import type { Enrichment } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';
import type { RulesAnalysis } from '../analysis/index.ts';
import { dismissesAlert, type LlmText } from './answer.ts';
import { isLlmError } from './errors.ts';
import { buildMessages, type ChatMessage } from './prompt.ts';
import type { LlmSharedState } from './shared-state.ts';

/** Anything that turns a prompt into validated text: the chat completions client. */
export interface TextModel {
  complete(messages: readonly ChatMessage[], signal: AbortSignal): Promise<LlmText>;
}

/**
 * How one alert's text came about. `written` and `cached` mean the model's text is used;
 * every other outcome keeps Herald's own text.
 */
export type LlmOutcome =
  'written' | 'cached' | 'over-budget' | 'rate-limited' | 'breaker-open' | 'failed' | 'dismissive';

/** Reported once per alert, for the app's logs and metrics. */
export interface LlmOutcomeEvent {
  outcome: LlmOutcome;
  family: string;
  ruleId: string;
  /** Why the model's text was not used, when it was not. */
  error?: unknown;
}

export interface LlmExplainerOptions {
  model: TextModel;
  /** The breaker of the endpoint; its timeout bounds every call. */
  breaker: BreakerExecutor;
  state: LlmSharedState;
  /** Dot paths redacted from the prompt (see DEFAULT_REDACTED_FIELDS). */
  redactedFields: readonly string[];
  /** Model calls one batch makes at once. */
  concurrency: number;
  /** How long replicas hold off after a 429 that gave no Retry-After, ms. */
  defaultRateLimitPauseMs?: number;
  onOutcome?: (event: LlmOutcomeEvent) => void;
}

/** One alert to improve: the alert, its enrichment and Herald's deterministic analysis. */
export interface LlmInput {
  alert: WazuhAlert;
  enrichment: Enrichment;
  analysis: RulesAnalysis;
}

const DEFAULT_RATE_LIMIT_PAUSE_MS = 30_000; // 30 s

// Parts of an alert that differ between repeats of the same event and say nothing the
// text needs: leaving them out of the cache key lets a burst share one text.
const VOLATILE_FIELDS = [
  'id',
  'timestamp',
  '@timestamp',
  'full_log',
  'previous_output',
  'predecoder',
  'decoder',
  'manager',
  'cluster',
];

/**
 * Where a text may be reused: the same rule and family, priority, machine and asset, and
 * the same decoded facts. Keyed by rule and family first; the facts are in the key so that
 * a text about one host or user never goes out about another.
 */
export function textCacheKey(input: LlmInput): string {
  const { alert, enrichment, analysis } = input;
  const facts = Object.fromEntries(
    Object.entries(alert).filter(([key]) => !VOLATILE_FIELDS.includes(key)),
  );
  const { firedtimes: _fired, ...rule } = alert.rule;
  const digest = createHash('sha256')
    .update(
      JSON.stringify({
        facts: { ...facts, rule },
        priority: analysis.priority,
        // Not the agent's status or last keepalive: they change by the minute.
        agent: {
          id: enrichment.agent.id,
          name: enrichment.agent.name,
          ip: enrichment.agent.ip,
          os: enrichment.agent.os,
          groups: enrichment.agent.groups,
        },
        asset: enrichment.asset,
      }),
    )
    .digest('base64url')
    .slice(0, 32);
  return `${analysis.family}:${alert.rule.id}:${digest}`;
}

/** Runs `work` over `items` with at most `limit` running at once, results in item order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * Lets a language model rewrite the text of Herald's analyses: summary, why it matters
 * and next steps. Priority, score, family, reasons, title and receivers stay Herald's.
 * Never throws: when the model is over budget, paused, broken, slow, failing or answers
 * something unusable, the deterministic text stands and `explainedBy` stays `rules`.
 */
export class LlmExplainer {
  private readonly options: LlmExplainerOptions;

  constructor(options: LlmExplainerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency <= 0) {
      throw new RangeError(
        `concurrency must be a whole number above 0, got ${options.concurrency}`,
      );
    }
    this.options = options;
  }

  /** The analyses of a batch, each with the model's text where it could be had. */
  improveAll(inputs: readonly LlmInput[], signal?: AbortSignal): Promise<RulesAnalysis[]> {
    return mapLimited(inputs, this.options.concurrency, (input) => this.improve(input, signal));
  }

  /** One analysis with the model's text, or as it came when there is none to be had. */
  async improve(input: LlmInput, signal?: AbortSignal): Promise<RulesAnalysis> {
    const { outcome, text, error } = await this.textFor(input, signal);
    this.options.onOutcome?.({
      outcome,
      family: input.analysis.family,
      ruleId: input.alert.rule.id,
      ...(error !== undefined && { error }),
    });
    if (text === undefined) {
      return input.analysis;
    }
    return { ...input.analysis, ...text, explainedBy: 'llm' };
  }

  private async textFor(
    input: LlmInput,
    signal: AbortSignal | undefined,
  ): Promise<{ outcome: LlmOutcome; text?: LlmText; error?: unknown }> {
    const { state } = this.options;
    const key = textCacheKey(input);
    try {
      const cached = await state.cachedText(key);
      if (cached) {
        return { outcome: 'cached', text: cached };
      }
      if (await state.isPaused()) {
        return { outcome: 'rate-limited' };
      }
      if (!(await state.reserveCall())) {
        return { outcome: 'over-budget' };
      }

      const messages = buildMessages({
        alert: input.alert,
        enrichment: input.enrichment,
        analysis: input.analysis,
        redactedFields: this.options.redactedFields,
        fence: randomUUID(),
      });
      const text = await this.options.breaker.execute(
        (callSignal) => this.options.model.complete(messages, callSignal),
        signal ? { signal } : {},
      );
      if (input.analysis.priority !== 'info' && dismissesAlert(text)) {
        return { outcome: 'dismissive' };
      }
      await state.storeText(key, text);
      return { outcome: 'written', text };
    } catch (err) {
      if (isBrokenCircuitError(err)) {
        return { outcome: 'breaker-open', error: err };
      }
      if (isLlmError(err) && err.code === 'LLM_RATE_LIMITED') {
        await state
          .pause(
            err.retryAfterMs ?? this.options.defaultRateLimitPauseMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS,
          )
          .catch(() => undefined);
        return { outcome: 'rate-limited', error: err };
      }
      return { outcome: 'failed', error: err };
    }
  }
}
