export { handleBatch, type BatchDeps } from './batch.ts';
export type { StageContext, StageHandler } from './handler.ts';
export { createBreakerRegistry } from './breakers.ts';
export { BreakerSync, type BreakerSyncOptions } from './breaker-sync.ts';
export { createStageMetrics, type StageMetrics } from './metrics.ts';
export { runStageService, type HandlerContext, type StageServiceEnv } from './service.ts';
export { stageSettingsFromEnv, type StageEnv, type StageSettings } from './settings.ts';
export { Sweeper, type SweeperOptions } from './sweeper.ts';
export { StageWorker, type StageWorkerOptions } from './worker.ts';
