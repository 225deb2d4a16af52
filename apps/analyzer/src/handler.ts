import {
  AnalysisSchema,
  EnrichmentSchema,
  type Analysis,
  type Enrichment,
} from '@herald/contracts';
import type { AttemptResult, ClaimedAlert } from '@herald/db';
import type { StageContext, StageHandler } from '@herald/stage';
import { validateAlert, type WazuhAlert } from '@herald/wazuh';
import { analyzeAlert } from './analysis/analyze.ts';
import type { RepetitionCounter } from './analysis/repetition.ts';
import { groupedNote, type Grouper } from './grouping/index.ts';
import { withLlmText } from './llm/batch-step.ts';
import type { LlmExplainer } from './llm/explainer.ts';
import { createRouter, type ReachedReceiver, type RoutingRules } from './routing.ts';
import type { SilenceCache } from './silences/index.ts';

/** What the handler consults besides the routing rules; each is optional. */
export interface AnalyzeHandlerOptions {
  /** Active silences: a matching alert ends `suppressed` with the silence's id. */
  silences?: SilenceCache;
  /** Alertmanager-style grouping: repeats of a notified alert fold into digests. */
  grouper?: Grouper;
  /** Recent firings of the same rule on the same machine, which raise the score. */
  repetition?: RepetitionCounter;
  /** The optional language model: rewrites the text of notified alerts, nothing else. */
  llm?: LlmExplainer;
  now?: () => Date;
}

interface Routed {
  id: string;
  alert: WazuhAlert;
  enrichment: Enrichment;
  analysis: Analysis;
  /** Receivers the routing tree reached, with their routes' grouping settings. */
  reached: readonly ReachedReceiver[];
}

/**
 * Scores, explains and routes each alert; an alert nobody is to hear of is suppressed:
 * routed to nobody, silenced, or folded into the groups of all its receivers.
 */
export function createAnalyzeHandler(
  rules: RoutingRules,
  options: AnalyzeHandlerOptions = {},
): StageHandler {
  const router = createRouter(rules);
  return {
    async process(alerts: readonly ClaimedAlert[], context?: StageContext): Promise<AttemptResult[]> {
      const now = options.now?.() ?? new Date();
      const repeats = await options.repetition?.record(alerts);
      const results: AttemptResult[] = [];
      const toGroup: Routed[] = [];
      for (const claimed of alerts) {
        const validation = validateAlert(claimed.body);
        if (!validation.ok) {
          results.push({
            kind: 'fail',
            id: claimed.id,
            error: 'stored alert is not a Wazuh alert',
          });
          continue;
        }
        const enrichment = EnrichmentSchema.safeParse(claimed.enrichment);
        if (!enrichment.success) {
          results.push({
            kind: 'fail',
            id: claimed.id,
            error: `enrichment unreadable: ${enrichment.error.message}`,
          });
          continue;
        }
        const analyzed = analyzeAlert(validation.alert, enrichment.data, {
          repetition: repeats?.get(claimed.id),
        });
        const route = router.route(validation.alert, enrichment.data, analyzed, now);
        const analysis: Analysis = AnalysisSchema.parse({
          ...analyzed,
          receivers: route.receivers,
          routing: route.routing,
        });
        if (route.receivers.length === 0) {
          results.push({
            kind: 'done',
            id: claimed.id,
            to: 'suppressed',
            analysis,
            note: route.reason ?? 'routed to nobody',
          });
          continue;
        }
        const subject = { alert: validation.alert, enrichment: enrichment.data, analysis };
        const silence = await options.silences?.silencing(subject, now);
        if (silence) {
          results.push({
            kind: 'done',
            id: claimed.id,
            to: 'suppressed',
            analysis: { ...analysis, receivers: [] },
            note: `silenced by ${silence.id}`,
          });
          continue;
        }
        toGroup.push({
          id: claimed.id,
          alert: validation.alert,
          enrichment: enrichment.data,
          analysis,
          reached: route.reached,
        });
      }
      const decided = [...results, ...(await grouped(toGroup, options.grouper))];
      // The model runs last, on what will be notified, once the deterministic result stands.
      return options.llm ? withLlmText(decided, alerts, options.llm, context?.signal) : decided;
    },
  };
}

// Alerts folded into the groups of all their receivers end suppressed; those with a
// receiver left go on to it alone, the history saying which groups took the others.
async function grouped(
  routed: readonly Routed[],
  grouper: Grouper | undefined,
): Promise<AttemptResult[]> {
  if (!grouper) return routed.map(({ id, analysis }) => ({ kind: 'done', id, analysis }));

  const outcomes = await grouper.assign(
    routed.map(({ id, alert, enrichment, analysis, reached }) => ({
      alertId: id,
      alert,
      enrichment,
      analysis,
      receivers: reached,
    })),
  );
  return routed.map(({ id, analysis }, index): AttemptResult => {
    const { notify, folded } = outcomes[index] ?? { notify: analysis.receivers, folded: [] };
    const result = { kind: 'done' as const, id, analysis: { ...analysis, receivers: notify } };
    if (folded.length === 0) return result;
    return {
      ...result,
      note: groupedNote(folded),
      ...(notify.length === 0 ? { to: 'suppressed' } : {}),
    };
  });
}
