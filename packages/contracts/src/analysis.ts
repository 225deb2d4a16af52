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

/**
 * Set on a digest: the message about alerts folded into an Alertmanager-style group since
 * the group last notified its receiver. The digest's body is the latest folded alert.
 */
export const GroupDigest = z.object({
  kind: z.literal('digest'),
  groupId: z.string(),
  /** The one receiver the digest is for. */
  receiver: z.string(),
  /** The group-by fields and their values, e.g. `{ 'rule.id': '5712', 'agent.name': 'web-01' }`. */
  labels: z.record(z.string(), z.string()),
  /** 1 for the group's first digest, then 2, 3... */
  sequence: z.number().int().min(1),
  /** Alerts folded into this digest. */
  count: z.number().int().min(1),
  /** Wazuh times of the first and last folded alert (ISO 8601). */
  firstAt: z.string(),
  lastAt: z.string(),
  /** Up to ten distinct agent names among the folded alerts. */
  agents: z.array(z.string()),
  /** Up to ten Herald ids of folded alerts, the latest first. */
  alertIds: z.array(z.string()),
});

/**
 * Why the alert reached the receivers it did (or none): the routing tree's answer, kept so a
 * reader of the alert can check it and `herald route test --since` can compare a new config.
 */
export const RoutingExplanation = z.object({
  /** Every receiver the routing tree reached, before silences and grouping. */
  receivers: z.array(
    z.object({
      name: z.string(),
      /** The route that sent it there, e.g. `route.routes[1].routes[0]`. */
      route: z.string(),
      /** One line per route on the way down: the conditions that held and the values seen. */
      why: z.array(z.string()),
    }),
  ),
  /** Routes that matched but were muted by their time intervals. */
  muted: z.array(z.object({ route: z.string(), receiver: z.string().optional(), why: z.string() })),
  /** Why nobody was reached, when no receiver was. */
  reason: z.string().optional(),
});

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
  /** Present on digests of grouped alerts only. */
  group: GroupDigest.optional(),
  /** The routing tree's explanation; absent on analyses stored before routing explained itself. */
  routing: RoutingExplanation.optional(),
});

export type AlertFamily = z.infer<typeof AlertFamily>;
export type Priority = z.infer<typeof Priority>;
export type Analysis = z.infer<typeof AnalysisSchema>;
export type GroupDigest = z.infer<typeof GroupDigest>;
export type RoutingExplanation = z.infer<typeof RoutingExplanation>;
