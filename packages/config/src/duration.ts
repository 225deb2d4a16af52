import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/**
 * Milliseconds from a duration the way operators write them in Alertmanager-style files:
 * `0s`, `250ms`, `30s`, `5m`, `4h`, `7d`. Compound forms (`1h30m`) are refused rather than
 * half-read.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** A duration field of the config file: a string such as `5m`, read as milliseconds. */
export const Duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `'${text}' is not a duration: write a whole number and one unit of ms, s, m, h or d (e.g. 30s, 5m)`,
    });
    return z.NEVER;
  }
  return ms;
});
