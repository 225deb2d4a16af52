import type { Analysis, Enrichment } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';
import { classifyAlert } from './classify.ts';
import { describeHost, explainAlert } from './explain/index.ts';
import { scoreAlert, type Repetition } from './score.ts';
import { readSignals } from './signals.ts';

/** The analyzer's deterministic result: everything but the receivers, which routing adds. */
export type RulesAnalysis = Omit<Analysis, 'receivers'>;

/** What the analyzer knows beyond the alert and its enrichment. */
export interface AnalysisContext {
  /** Recent firings of the same rule on the same machine (see repetition.ts). */
  repetition?: Repetition | undefined;
}

/**
 * Classifies, scores and explains one alert from the alert, its enrichment and the
 * context: a pure function, so the same input always gives the same result.
 */
export function analyzeAlert(
  alert: WazuhAlert,
  enrichment: Enrichment,
  context: AnalysisContext = {},
): RulesAnalysis {
  const { family } = classifyAlert(alert);
  const { score, priority, reasons } = scoreAlert(alert, enrichment, family, context.repetition);
  const explanation = explainAlert(family, {
    alert,
    enrichment,
    signals: readSignals(alert),
    host: describeHost(alert, enrichment),
  });
  return { family, score, priority, reasons, ...explanation, explainedBy: 'rules' };
}
