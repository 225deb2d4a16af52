export { analyzeAlert, type AnalysisContext, type RulesAnalysis } from './analyze.ts';
export { classifyAlert, type Classification, type ClassificationBasis } from './classify.ts';
export {
  PRIORITY_BANDS,
  priorityFor,
  scoreAlert,
  type Repetition,
  type ScoreResult,
} from './score.ts';
export { RepetitionCounter, type RepetitionCounterOptions } from './repetition.ts';
