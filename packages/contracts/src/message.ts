import { z } from 'zod';

/** The channels a receiver can use; one renderer each. */
export const MessageChannel = z.enum(['email', 'slack', 'teams', 'webhook', 'pagerduty']);

/** A rendered email, as the formatter stores it for the sender. */
export const RenderedEmailSchema = z.object({
  channel: z.literal('email'),
  from: z.string(),
  to: z.array(z.string()).min(1),
  /** Unicode, one line; the sender's mail library encodes it (RFC 2047) when not ASCII. */
  subject: z.string().refine((s) => !/[\r\n]/.test(s), 'a subject must be one line'),
  text: z.string(),
  html: z.string(),
  /** Extra headers naming the alert, rule and priority (X-Herald-*). */
  headers: z.record(z.string(), z.string()),
});

// Payloads are the JSON bodies the sender posts as they are, apart from what only the
// sender may add. They are loose objects: the formatter owns their inner shape, the
// sender needs only the fields named here.

/**
 * Slack Block Kit message for an incoming webhook or chat.postMessage: `text` is the
 * notification fallback, `blocks` at most 50. The sender adds `channel` for chat.postMessage.
 */
export const SlackPayloadSchema = z.looseObject({
  text: z.string().max(40_000),
  blocks: z.array(z.looseObject({ type: z.string() })).max(50),
});

/** The message envelope a Teams Workflows webhook takes, carrying one Adaptive Card. */
export const TeamsPayloadSchema = z.looseObject({
  type: z.literal('message'),
  attachments: z
    .array(
      z.looseObject({
        contentType: z.literal('application/vnd.microsoft.card.adaptive'),
        content: z.looseObject({ type: z.literal('AdaptiveCard'), version: z.string() }),
      }),
    )
    .length(1),
});

/** Herald's generic webhook document (`apps/formatter/schema/webhook-v1.json`); the sender signs it. */
export const WebhookPayloadSchema = z.looseObject({
  schema: z.literal('herald.alert.v1'),
  id: z.string(),
});

/** A PagerDuty Events API v2 event without `routing_key`, which the sender adds. */
export const PagerDutyPayloadSchema = z.looseObject({
  event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
  dedup_key: z.string().min(1).max(255),
  payload: z.looseObject({
    summary: z.string().min(1).max(1024),
    source: z.string().min(1),
    severity: z.enum(['critical', 'error', 'warning', 'info']),
  }),
});

export const RenderedSlackSchema = z.object({
  channel: z.literal('slack'),
  payload: SlackPayloadSchema,
});
export const RenderedTeamsSchema = z.object({
  channel: z.literal('teams'),
  payload: TeamsPayloadSchema,
});
export const RenderedWebhookSchema = z.object({
  channel: z.literal('webhook'),
  payload: WebhookPayloadSchema,
});
export const RenderedPagerDutySchema = z.object({
  channel: z.literal('pagerduty'),
  payload: PagerDutyPayloadSchema,
});

export const RenderedMessageSchema = z.discriminatedUnion('channel', [
  RenderedEmailSchema,
  RenderedSlackSchema,
  RenderedTeamsSchema,
  RenderedWebhookSchema,
  RenderedPagerDutySchema,
]);

export type MessageChannel = z.infer<typeof MessageChannel>;
export type RenderedEmail = z.infer<typeof RenderedEmailSchema>;
export type RenderedSlack = z.infer<typeof RenderedSlackSchema>;
export type RenderedTeams = z.infer<typeof RenderedTeamsSchema>;
export type RenderedWebhook = z.infer<typeof RenderedWebhookSchema>;
export type RenderedPagerDuty = z.infer<typeof RenderedPagerDutySchema>;
export type RenderedMessage = z.infer<typeof RenderedMessageSchema>;
