import { z } from 'zod';

/** A rendered email, as the formatter stores it for the sender. */
export const RenderedEmailSchema = z.object({
  channel: z.literal('email'),
  from: z.string(),
  to: z.array(z.string()).min(1),
  subject: z.string().refine((s) => !/[\r\n]/.test(s), 'a subject must be one line'),
  text: z.string(),
  html: z.string(),
  /** Extra headers naming the alert, rule and priority (X-Herald-*). */
  headers: z.record(z.string(), z.string()),
});

/** A JSON body the sender posts as it is, apart from what only it may add (secrets, signatures). */
const JsonObject = z.record(z.string(), z.unknown());

/** Slack Block Kit message (`text` fallback plus `blocks`); the sender adds `channel` for chat.postMessage. */
export const RenderedSlackSchema = z.object({ channel: z.literal('slack'), payload: JsonObject });

/** Teams message carrying one Adaptive Card, as a Workflows webhook takes it. */
export const RenderedTeamsSchema = z.object({ channel: z.literal('teams'), payload: JsonObject });

/** The generic webhook's versioned JSON document; the sender signs it when it sends. */
export const RenderedWebhookSchema = z.object({ channel: z.literal('webhook'), payload: JsonObject });

/** A PagerDuty Events API v2 event without its routing key, which the sender adds. */
export const RenderedPagerDutySchema = z.object({
  channel: z.literal('pagerduty'),
  payload: JsonObject,
});

export const RenderedMessageSchema = z.discriminatedUnion('channel', [
  RenderedEmailSchema,
  RenderedSlackSchema,
  RenderedTeamsSchema,
  RenderedWebhookSchema,
  RenderedPagerDutySchema,
]);

export type RenderedEmail = z.infer<typeof RenderedEmailSchema>;
export type RenderedMessage = z.infer<typeof RenderedMessageSchema>;
