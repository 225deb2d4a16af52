import { z } from 'zod';
import { Duration } from './duration.ts';

// One line only: a line break in an address or URL would be a header injection.
const OneLine = z
  .string()
  .min(1)
  .refine((value) => !/[\r\n]/.test(value), 'must be one line');
const HttpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http:// or https:// URL');

export const EmailDestination = z.strictObject({
  to: z.array(OneLine).min(1, 'needs at least one address'),
  /** Defaults to HERALD_MAIL_FROM. */
  from: OneLine.optional(),
});

/** Slack: an incoming webhook URL, or a bot token and a channel for chat.postMessage. */
export const SlackDestination = z.union([
  z.strictObject({ webhook_url: HttpUrl }),
  z.strictObject({
    token: z.string().min(1),
    channel: z.string().min(1),
    /** Base URL of the Web API (tests point it at their own server). */
    api_url: HttpUrl.default('https://slack.com/api'),
  }),
]);

/** Microsoft Teams through a Workflows (Power Automate) webhook URL. */
export const TeamsDestination = z.strictObject({ webhook_url: HttpUrl });

/** A generic webhook: JSON body signed with HMAC-SHA256 over a timestamp and the body. */
export const WebhookDestination = z.strictObject({
  url: HttpUrl,
  secret: z.string().min(16, 'must be at least 16 characters'),
});

/** PagerDuty Events API v2. */
export const PagerDutyDestination = z.strictObject({
  routing_key: z.string().min(1),
  /** Events API endpoint (tests point it at their own server). */
  url: HttpUrl.default('https://events.pagerduty.com/v2/enqueue'),
});

/** Messages one destination takes per period, shared by every sender replica. */
export const RateLimit = z.strictObject({
  messages: z.number().int().min(1),
  per: Duration,
});

const ReceiverCommon = {
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      'letters, digits, . _ and - only, starting with a letter or digit',
    ),
  /** A template file or folder that overrides the channel's default template. */
  template: z.string().min(1).optional(),
  rate_limit: RateLimit.optional(),
};

const CHANNELS = ['email', 'slack', 'teams', 'webhook', 'pagerduty'] as const;

// Counted before the union is tried: without it, a receiver with no channel or with two is
// told "email: expected object" or "unknown key 'slack'", which point the wrong way.
const OneChannel = z.unknown().superRefine((value, ctx) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const present = CHANNELS.filter((channel) => Object.hasOwn(value, channel));
  if (present.length === 0) {
    ctx.addIssue({
      code: 'custom',
      message: `needs a channel: one of ${CHANNELS.join(', ')}`,
    });
  } else if (present.length > 1) {
    ctx.addIssue({
      code: 'custom',
      message: `has ${present.join(' and ')}: a receiver has exactly one channel (write one receiver per channel)`,
    });
  }
});

const ReceiverUnion = z.union([
  z.strictObject({ ...ReceiverCommon, email: EmailDestination }),
  z.strictObject({ ...ReceiverCommon, slack: SlackDestination }),
  z.strictObject({ ...ReceiverCommon, teams: TeamsDestination }),
  z.strictObject({ ...ReceiverCommon, webhook: WebhookDestination }),
  z.strictObject({ ...ReceiverCommon, pagerduty: PagerDutyDestination }),
]);

/** A named place messages go to: exactly one channel block. */
export const ReceiverSchema = OneChannel.pipe(ReceiverUnion);

export type ReceiverConfig = z.output<typeof ReceiverSchema>;
export type Channel = 'email' | 'slack' | 'teams' | 'webhook' | 'pagerduty';

/** The channel of a receiver: the name of its one destination block. */
export function channelOf(receiver: ReceiverConfig): Channel {
  if ('email' in receiver) return 'email';
  if ('slack' in receiver) return 'slack';
  if ('teams' in receiver) return 'teams';
  if ('webhook' in receiver) return 'webhook';
  return 'pagerduty';
}
