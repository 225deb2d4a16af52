import { z } from 'zod';

/** The alert families Herald explains; `other` gets a generic explanation. */
export const AlertFamily = z.enum([
  'authentication',
  'file-integrity',
  'malware',
  'rootcheck',
  'web-attack',
  'vulnerability',
  'windows-event',
  'cloud-audit',
  'container',
  'policy',
  'active-response',
  'agent-health',
  'other',
]);

export const Priority = z.enum(['critical', 'high', 'medium', 'low', 'info']);

/** The analyzer's result, stored on the alert. */
export const AnalysisSchema = z.object({
  family: AlertFamily,
  /** 0-100, deterministic from the alert and its enrichment. */
  score: z.number().min(0).max(100),
  priority: Priority,
  /** Each factor that moved the score, in words, so a reader can check it. */
  reasons: z.array(z.string()),
  /** One line: what happened, where. */
  title: z.string(),
  /** What happened, in plain language. */
  summary: z.string(),
  whyItMatters: z.string(),
  nextSteps: z.array(z.string()),
  /** Who wrote the text: Herald's rules, or a language model. */
  explainedBy: z.enum(['rules', 'llm']),
  /** Names of the receivers that get a message. Empty means the alert is suppressed. */
  receivers: z.array(z.string()),
});

export type AlertFamily = z.infer<typeof AlertFamily>;
export type Priority = z.infer<typeof Priority>;
export type Analysis = z.infer<typeof AnalysisSchema>;
