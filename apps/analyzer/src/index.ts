export { analyzeAlert, type RulesAnalysis } from './analysis/index.ts';
