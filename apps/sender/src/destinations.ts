import { channelOf, type ReceiverConfig } from '@herald/config';
import type { RenderedMessage } from '@herald/contracts';
import type { RateLimit } from './delivery-gate.ts';
import { HttpClient, type HttpClientOptions } from './transports/http-client.ts';
import type { HttpReceipt, HttpTransport } from './transports/http-types.ts';
import { PagerDutyTransport } from './transports/pagerduty.ts';
import { SlackApiTransport, SlackWebhookTransport } from './transports/slack.ts';
import { TeamsTransport } from './transports/teams.ts';
import type { EmailReceipt, EmailTransport } from './transports/types.ts';
import { WebhookTransport } from './transports/webhook.ts';

/** What the sender stores as a delivery's receipt. */
export type DeliveryReceipt = EmailReceipt | HttpReceipt;

/** Where one delivery goes, and how. */
export interface Destination {
  /** Names the destination's breaker: `slack:soc`, `smtp:relay.example.org`. */
  name: string;
  /**
   * Names its rate limit and Retry-After wait in Redis: the receiver's endpoint
   * (`slack:soc`); for email the receiver (`email:soc`), since every email receiver shares
   * the mail server's breaker but each has its own `rate_limit`.
   */
  limitKey: string;
  /** The receiver's `rate_limit`, shared by every replica. */
  rateLimit?: RateLimit;
  /** Sends the rendered message; the error says whether to wait, retry or give up. */
  send(message: RenderedMessage, key: string, signal: AbortSignal): Promise<DeliveryReceipt>;
}

/** Why a delivery has nowhere to go: permanent until the configuration changes. */
export class NoDestinationError extends Error {
  readonly isNoDestinationError = true;
  readonly code = 'NO_DESTINATION';
  readonly retryable = false;
  readonly breakerOutcome = 'ignore';

  constructor(message: string) {
    super(message);
    this.name = 'NoDestinationError';
  }
}

/** True for a NoDestinationError, also across duplicate copies of this module. */
export function isNoDestinationError(err: unknown): err is NoDestinationError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as NoDestinationError).isNoDestinationError === true
  );
}

export interface DestinationsOptions {
  /** Every email receiver's transport (one mail server, or the mailbox folder). */
  email: { transport: EmailTransport; name: string };
  /** The configured receivers, by name: Slack, Teams, webhook and PagerDuty need theirs. */
  receivers?: ReadonlyMap<string, ReceiverConfig>;
  /** Timeouts of the HTTP channels. */
  http?: HttpClientOptions;
}

/** Resolves deliveries to their destinations; owns the transports. */
export interface Destinations {
  /** The destination of `receiver`'s delivery on `channel`; throws NoDestinationError. */
  resolve(receiver: string, channel: string): Destination;
  close(): Promise<void>;
}

function rateLimitOf(receiver: ReceiverConfig | undefined): RateLimit | undefined {
  return receiver?.rate_limit
    ? { messages: receiver.rate_limit.messages, perMs: receiver.rate_limit.per }
    : undefined;
}

function httpTransportFor(client: HttpClient, receiver: ReceiverConfig): HttpTransport {
  if ('slack' in receiver) {
    return 'webhook_url' in receiver.slack
      ? new SlackWebhookTransport(client, { webhookUrl: receiver.slack.webhook_url })
      : new SlackApiTransport(client, {
          token: receiver.slack.token,
          channel: receiver.slack.channel,
          apiUrl: receiver.slack.api_url,
        });
  }
  if ('teams' in receiver)
    return new TeamsTransport(client, { webhookUrl: receiver.teams.webhook_url });
  if ('webhook' in receiver) {
    return new WebhookTransport(client, {
      url: receiver.webhook.url,
      secret: receiver.webhook.secret,
    });
  }
  if ('pagerduty' in receiver) {
    return new PagerDutyTransport(client, {
      url: receiver.pagerduty.url,
      routingKey: receiver.pagerduty.routing_key,
    });
  }
  throw new Error(`receiver '${receiver.name}' has no HTTP channel`);
}

/**
 * The sender's destinations: email goes through the one email transport (its breaker
 * named after the mail server), every other channel to its receiver's own endpoint, with
 * a breaker per receiver (`<channel>:<receiver>`). A rendered message must be of the
 * channel its delivery names, and its receiver configured for that channel.
 */
export function createDestinations(options: DestinationsOptions): Destinations {
  const receivers = options.receivers ?? new Map<string, ReceiverConfig>();
  const client = new HttpClient(options.http);
  const resolved = new Map<string, Destination>();

  function build(name: string, channel: string): Destination {
    const receiver = receivers.get(name);
    const rateLimit = rateLimitOf(receiver);
    const limited = rateLimit ? { rateLimit } : {};
    const mismatch = (message: RenderedMessage) =>
      new NoDestinationError(
        `a ${message.channel} message cannot go to ${channel} receiver '${name}'`,
      );
    if (channel === 'email') {
      return {
        name: options.email.name,
        limitKey: `email:${name}`,
        ...limited,
        async send(message, key, signal) {
          if (message.channel !== 'email') throw mismatch(message);
          return options.email.transport.send({ ...message, messageId: key }, signal);
        },
      };
    }
    if (receiver === undefined || channelOf(receiver) !== channel) {
      throw new NoDestinationError(`no ${channel} receiver named '${name}' is configured`);
    }
    const transport = httpTransportFor(client, receiver);
    return {
      name: `${channel}:${name}`,
      limitKey: `${channel}:${name}`,
      ...limited,
      async send(message, key, signal) {
        if (message.channel !== channel || message.channel === 'email') throw mismatch(message);
        return transport.send({ payload: message.payload, key }, signal);
      },
    };
  }

  return {
    resolve(receiver, channel) {
      const id = `${channel}\n${receiver}`;
      let destination = resolved.get(id);
      if (destination === undefined) {
        destination = build(receiver, channel);
        resolved.set(id, destination);
      }
      return destination;
    },
    async close() {
      await Promise.all([options.email.transport.close(), client.close()]);
    },
  };
}
