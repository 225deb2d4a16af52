// Test helpers (imported only by *.test.ts): rendered messages for the HTTP channels, the
// fake providers' receivers as a config file would declare them, and a handler with its
// own breakers and the shared Redis gate, as one sender replica has them.
import { BreakerRegistry } from '@herald/breaker';
import { ReceiverSchema, type ReceiverConfig } from '@herald/config';
import type { Database } from '@herald/db';
import type { Redis } from 'ioredis';
import { createSilentLogger } from '@herald/runtime';
import { RedisDeliveryGate } from './delivery-gate.ts';
import { createDestinations } from './destinations.ts';
import { createSendHandler } from './handler.ts';
import { MailboxTransport } from './transports/mailbox.ts';
import {
  PAGERDUTY_ROUTING_KEY,
  SLACK_TOKEN,
  WEBHOOK_SECRET,
  type FakePagerDuty,
  type FakeSlack,
  type FakeTeams,
  type FakeWebhookReceiver,
} from './transports/provider-test-servers.ts';

export const rendered = {
  slack: (text = 'Alert') => ({
    channel: 'slack',
    payload: { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] },
  }),
  teams: (text = 'Alert') => ({
    channel: 'teams',
    payload: {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text }] },
        },
      ],
    },
  }),
  webhook: (id = 'a') => ({ channel: 'webhook', payload: { schema: 'herald.alert.v1', id } }),
  pagerduty: (dedupKey = 'herald-a') => ({
    channel: 'pagerduty',
    payload: {
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: { summary: 'Alert', source: 'web-01', severity: 'critical' },
    },
  }),
};

/** The receivers of a config file, by name. */
export function receiverMap(...configs: unknown[]): Map<string, ReceiverConfig> {
  return new Map(configs.map((config) => ReceiverSchema.parse(config)).map((r) => [r.name, r]));
}

/** A receiver block for each fake provider. */
export const receiverOf = {
  slackWebhook: (name: string, slack: FakeSlack, extra: object = {}) => ({
    name,
    slack: { webhook_url: slack.webhookUrl },
    ...extra,
  }),
  slackApi: (name: string, slack: FakeSlack, extra: object = {}) => ({
    name,
    slack: { token: SLACK_TOKEN, channel: '#soc', api_url: slack.apiUrl },
    ...extra,
  }),
  teams: (name: string, teams: FakeTeams) => ({ name, teams: { webhook_url: teams.webhookUrl } }),
  webhook: (name: string, hook: FakeWebhookReceiver) => ({
    name,
    webhook: { url: hook.hookUrl, secret: WEBHOOK_SECRET },
  }),
  pagerduty: (name: string, pd: FakePagerDuty) => ({
    name,
    pagerduty: { routing_key: PAGERDUTY_ROUTING_KEY, url: pd.enqueueUrl },
  }),
};

export interface ReplicaOptions {
  db: Database;
  redis: { redis: Redis; namespace: string };
  receivers: Map<string, ReceiverConfig>;
  mailboxDir?: string;
  /** Breaker settings of this replica's registry. */
  breaker?: { minimumCalls?: number; openMs?: number };
  destinationRetryMs?: number;
}

/** One sender replica: its own transports and breakers, the Redis gate shared with others. */
export function senderReplica(options: ReplicaOptions) {
  const breakers = new BreakerRegistry({
    defaults: {
      minimumCalls: options.breaker?.minimumCalls ?? 10,
      openMs: options.breaker?.openMs ?? 30_000,
    },
  });
  const handler = createSendHandler({
    db: options.db,
    destinations: createDestinations({
      email: {
        transport: new MailboxTransport({ directory: options.mailboxDir ?? '/nonexistent' }),
        name: 'mailbox',
      },
      receivers: options.receivers,
      http: { connectTimeoutMs: 1_000, responseTimeoutMs: 1_000 },
    }),
    breakers,
    gate: new RedisDeliveryGate(options.redis),
    logger: createSilentLogger(),
    concurrency: 8,
    destinationRetryMs: options.destinationRetryMs ?? 1_234,
  });
  return { handler, breakers };
}
