import { AnalysisSchema, EnrichmentSchema, type Analysis } from '@herald/contracts';
import type { AttemptResult, ClaimedAlert } from '@herald/db';
import type { StageHandler } from '@herald/stage';
import { validateAlert } from '@herald/wazuh';
import { analyzeAlert } from './analysis/analyze.ts';
import { routeAlert, type RoutingRules } from './routing.ts';

/** Scores, explains and routes each alert; an alert nobody is to hear of is suppressed. */
export function createAnalyzeHandler(rules: RoutingRules): StageHandler {
  return {
    async process(alerts: readonly ClaimedAlert[]): Promise<AttemptResult[]> {
      return alerts.map((claimed): AttemptResult => {
        const validation = validateAlert(claimed.body);
        if (!validation.ok) {
          return { kind: 'fail', id: claimed.id, error: 'stored alert is not a Wazuh alert' };
        }
        const enrichment = EnrichmentSchema.safeParse(claimed.enrichment);
        if (!enrichment.success) {
          return {
            kind: 'fail',
            id: claimed.id,
            error: `enrichment unreadable: ${enrichment.error.message}`,
          };
        }
        const route = routeAlert(validation.alert, rules);
        const analysis: Analysis = AnalysisSchema.parse({
          ...analyzeAlert(validation.alert, enrichment.data),
          receivers: route.receivers,
        });
        if (route.receivers.length === 0) {
          return {
            kind: 'done',
            id: claimed.id,
            to: 'suppressed',
            analysis,
            note: route.reason ?? 'routed to nobody',
          };
        }
        return { kind: 'done', id: claimed.id, analysis };
      });
    },
  };
}
