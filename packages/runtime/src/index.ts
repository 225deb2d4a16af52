export {
  BoolEnv,
  ConfigError,
  CountEnv,
  MsEnv,
  baseEnvShape,
  isConfigError,
  loadEnvOrExit,
  parseEnv,
  workerEnvShape,
} from './env.ts';
export {
  createLogger,
  createSilentLogger,
  defaultReplicaName,
  REDACT_PATHS,
  type Logger,
  type LoggerOptions,
} from './logger.ts';
export { Counter, Gauge, Histogram, Registry, createMetricsRegistry } from './metrics.ts';
export { registerOpsRoutes, type OpsRoutesOptions } from './ops-routes.ts';
export { startOpsServer, type OpsServerOptions } from './ops-server.ts';
export { runService, type ServiceHandle } from './lifecycle.ts';
