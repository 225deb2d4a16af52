import type { Analysis, Enrichment } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';
import { classifyAlert } from './classify.ts';
import { describeHost, explainAlert } from './explain/index.ts';
import { scoreAlert } from './score.ts';
import { readSignals } from './signals.ts';

/** The analyzer's deterministic result: everything but the receivers, which routing adds. */
export type RulesAnalysis = Omit<Analysis, 'receivers'>;

/**
 * Classifies, scores and explains one alert from the alert and its enrichment alone: a
 * pure function, so the same input always gives the same result.
 */
export function analyzeAlert(alert: WazuhAlert, enrichment: Enrichment): RulesAnalysis {
  const { family } = classifyAlert(alert);
  const { score, priority, reasons } = scoreAlert(alert, enrichment, family);
  const explanation = explainAlert(family, {
    alert,
    enrichment,
    signals: readSignals(alert),
    host: describeHost(alert, enrichment),
  });
  return { family, score, priority, reasons, ...explanation, explainedBy: 'rules' };
}
