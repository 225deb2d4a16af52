import { CountEnv, MsEnv } from '@herald/runtime';
import { z } from 'zod';
import { DEFAULT_REDACTED_FIELDS } from './redact.ts';

/**
 * The analyzer's settings for the optional language model (any OpenAI-compatible chat
 * completions endpoint). Without HERALD_LLM_URL the rules write every text.
 */
export const llmEnvShape = {
  HERALD_LLM_URL: z
    .string()
    .url({ message: 'must be a URL up to the API version, such as https://api.openai.com/v1' })
    .optional(),
  HERALD_LLM_MODEL: z.string().min(1).optional(),
  HERALD_LLM_API_KEY: z.string().optional(),
  HERALD_LLM_TIMEOUT_MS: MsEnv.min(100).default(15_000), // 15 s per request
  /** Model calls per clock hour, all replicas together; 0 stops calls without unsetting the URL. */
  HERALD_LLM_HOURLY_BUDGET: z.coerce.number().int().nonnegative().default(200),
  HERALD_LLM_CACHE_TTL_MS: MsEnv.min(1_000).default(21_600_000), // 6 h
  /** Model calls one batch makes at once. */
  HERALD_LLM_CONCURRENCY: CountEnv.default(4),
  /**
   * Alert fields (dot paths) removed from prompts, comma separated; `none` sends them all.
   * Unset: user names, e-mail addresses, cloud principals and access key ids.
   */
  HERALD_LLM_REDACT_FIELDS: z
    .string()
    .transform((value) =>
      value.trim() === 'none'
        ? []
        : value
            .split(',')
            .map((field) => field.trim())
            .filter((field) => field !== ''),
    )
    .default([...DEFAULT_REDACTED_FIELDS]),
};

/** The rule across the LLM variables, for the app schema's superRefine. */
export function checkLlmEnv(
  env: { HERALD_LLM_URL?: string | undefined; HERALD_LLM_MODEL?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (env.HERALD_LLM_URL && !env.HERALD_LLM_MODEL) {
    ctx.addIssue({
      code: 'custom',
      path: ['HERALD_LLM_MODEL'],
      message: 'is required when HERALD_LLM_URL is set (the model name the endpoint serves)',
    });
  }
}
