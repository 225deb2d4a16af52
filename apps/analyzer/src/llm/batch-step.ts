import { AnalysisSchema, EnrichmentSchema } from '@herald/contracts';
import type { AttemptResult, ClaimedAlert } from '@herald/db';
import { validateAlert } from '@herald/wazuh';
import type { LlmExplainer, LlmInput } from './explainer.ts';

type Done = Extract<AttemptResult, { kind: 'done' }>;

/**
 * The analyzer's LLM step, after the deterministic analysis of a batch: the alerts that
 * will be notified (done, not suppressed, with receivers) get the model's text, with the
 * explainer's bounded concurrency. Suppressed alerts keep Herald's text: nobody reads it
 * now, and the budget is kept for alerts someone will. Results keep their order; the
 * model changes nothing but the text.
 */
export async function withLlmText(
  results: readonly AttemptResult[],
  alerts: readonly ClaimedAlert[],
  explainer: LlmExplainer,
  signal?: AbortSignal,
): Promise<AttemptResult[]> {
  const claimedById = new Map(alerts.map((claimed) => [claimed.id, claimed]));
  const picked: { index: number; result: Done; input: LlmInput; receivers: string[] }[] = [];
  results.forEach((result, index) => {
    if (result.kind !== 'done' || result.to === 'suppressed') {
      return;
    }
    const parsed = AnalysisSchema.safeParse(result.analysis);
    const claimed = claimedById.get(result.id);
    if (!parsed.success || parsed.data.receivers.length === 0 || !claimed) {
      return;
    }
    // Both were checked before the analysis was made; read again here to get their types.
    const alert = validateAlert(claimed.body);
    const enrichment = EnrichmentSchema.safeParse(claimed.enrichment);
    if (!alert.ok || !enrichment.success) {
      return;
    }
    const { receivers, ...analysis } = parsed.data;
    picked.push({
      index,
      result,
      receivers,
      input: { alert: alert.alert, enrichment: enrichment.data, analysis },
    });
  });
  if (picked.length === 0) {
    return [...results];
  }

  const improved = await explainer.improveAll(
    picked.map(({ input }) => input),
    signal,
  );
  const merged = [...results];
  picked.forEach(({ index, result, receivers }, position) => {
    merged[index] = { ...result, analysis: { ...improved[position], receivers } };
  });
  return merged;
}
