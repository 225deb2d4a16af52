import { AnalysisSchema } from '@herald/contracts';
import { describe, expect, it } from 'vitest';
import { analyzeAlert } from './analyze.ts';
import { corpusAlert, corpusAlerts, enrichmentFromAlert } from './testing/fixtures.ts';

const RulesAnalysisSchema = AnalysisSchema.omit({ receivers: true }).strict();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
    Object.freeze(value);
  }
  return value;
}

describe('analyzeAlert', () => {
  it('returns an analysis the contract accepts, written by the rules, for every corpus alert', () => {
    for (const { line, alert } of corpusAlerts()) {
      const analysis = analyzeAlert(alert, enrichmentFromAlert(alert));
      const parsed = RulesAnalysisSchema.safeParse(analysis);
      expect(parsed.success, `corpus line ${line}: ${parsed.error?.message}`).toBe(true);
      expect(analysis.explainedBy).toBe('rules');
      expect(Number.isInteger(analysis.score)).toBe(true);
      expect(analysis.reasons[0]).toMatch(/^rule level \d+ of 15/);
    }
  });

  it('gives the same result for the same input, and never changes its input', () => {
    for (const { alert } of corpusAlerts()) {
      const enrichment = enrichmentFromAlert(alert, { criticality: 'high', owner: 'ops' });
      const first = analyzeAlert(
        deepFreeze(structuredClone(alert)),
        deepFreeze(structuredClone(enrichment)),
      );
      const second = analyzeAlert(structuredClone(alert), structuredClone(enrichment));
      expect(second).toEqual(first);
    }
  });

  it('does not depend on the key order of the alert', () => {
    const alert = corpusAlert(1);
    const reversed = Object.fromEntries(Object.entries(alert).reverse()) as typeof alert;
    expect(analyzeAlert(reversed, enrichmentFromAlert(reversed))).toEqual(
      analyzeAlert(alert, enrichmentFromAlert(alert)),
    );
  });
});
