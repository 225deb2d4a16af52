export { analyzeAlert, type RulesAnalysis } from './analyze.ts';
export { classifyAlert, type Classification, type ClassificationBasis } from './classify.ts';
export { PRIORITY_BANDS, priorityFor, scoreAlert, type ScoreResult } from './score.ts';
