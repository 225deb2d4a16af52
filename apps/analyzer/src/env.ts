import { workerEnvShape } from '@herald/runtime';
import { z } from 'zod';

export const AnalyzerEnv = z.object({
  ...workerEnvShape,
  OPS_PORT: workerEnvShape.OPS_PORT.default(9102),
  /** Alerts below this rule level are analysed and stored but not sent (suppressed). */
  HERALD_NOTIFY_MIN_LEVEL: z.coerce.number().int().min(0).max(16).default(0),
  /** The receiver every notified alert goes to, until routing rules say otherwise. */
  HERALD_DEFAULT_RECEIVER: z.string().min(1).default('default'),
});

export type AnalyzerEnv = z.output<typeof AnalyzerEnv>;
