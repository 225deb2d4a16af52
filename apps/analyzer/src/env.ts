import { Duration, MAX_GROUPING_MS } from '@herald/config';
import { MsEnv, workerEnvShape } from '@herald/runtime';
import { z } from 'zod';
import { checkLlmEnv, llmEnvShape } from './llm/env.ts';

/** A comma-separated list of field paths (matcher namespace), e.g. `rule.id,agent.id`. */
const FieldList = z.string().transform((text) =>
  text
    .split(',')
    .map((field) => field.trim())
    .filter((field) => field !== ''),
);

// The grouping tables hold these as 32-bit milliseconds: longer fails every batch, not the start.
const GroupingDuration = Duration.refine((ms) => ms <= MAX_GROUPING_MS, 'must be at most 24d');

export const AnalyzerEnv = z
  .object({
    ...workerEnvShape,
    OPS_PORT: workerEnvShape.OPS_PORT.default(9102),
    // Routing
    /** The config file (receivers, routing tree, inventory); unset: the two variables below. */
    HERALD_CONFIG: z.string().min(1).optional(),
    /** Without HERALD_CONFIG: alerts below this rule level are analysed and stored, not sent. */
    HERALD_NOTIFY_MIN_LEVEL: z.coerce.number().int().min(0).max(16).default(0),
    /** Without HERALD_CONFIG: the one receiver every notified alert goes to. */
    HERALD_DEFAULT_RECEIVER: z.string().min(1).default('default'),
    // Silences
    /** How long the active silences read from PostgreSQL are reused before reading again. */
    HERALD_SILENCE_CACHE_TTL_MS: MsEnv.default(5_000), // 5 s: a new silence applies within this
    // Grouping, for receivers whose route gives no settings (durations as in the config file)
    HERALD_GROUP_BY: FieldList.prefault('rule.id,agent.id,data.srcip'),
    HERALD_GROUP_WAIT: GroupingDuration.prefault('0s'), // the first alert of a group goes out at once
    HERALD_GROUP_INTERVAL: GroupingDuration.prefault('5m'),
    HERALD_REPEAT_INTERVAL: GroupingDuration.prefault('4h'),
    /** How often due group digests are looked for: how late a digest may be. */
    HERALD_GROUP_FLUSH_INTERVAL_MS: MsEnv.min(10).default(5_000), // 5 s
    // Scoring: how often the same rule fired on the same machine within this window raises it.
    HERALD_REPETITION_WINDOW_MS: MsEnv.min(1_000).default(3_600_000), // 1 h
    // Optional language model: see src/llm/env.ts.
    ...llmEnvShape,
  })
  .superRefine(checkLlmEnv);

export type AnalyzerEnv = z.output<typeof AnalyzerEnv>;
