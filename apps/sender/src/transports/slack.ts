import { excerpt, parseObject, replyError, type HttpClient } from './http-client.ts';
import { HttpDeliveryError } from './http-errors.ts';
import type { HttpReceipt, HttpTransport, OutgoingPost } from './http-types.ts';

/**
 * Slack through an incoming webhook: 200 with the body `ok` is success; failures are
 * plain-text reasons (`invalid_payload` 400, `action_prohibited` 403, `channel_not_found`
 * and `no_service` 404, `channel_is_archived` 410, `rollup_error` 500), and 429 carries
 * Retry-After.
 */
export class SlackWebhookTransport implements HttpTransport {
  readonly #client: HttpClient;
  readonly #url: string;

  constructor(client: HttpClient, options: { webhookUrl: string }) {
    this.#client = client;
    this.#url = options.webhookUrl;
  }

  async send(message: OutgoingPost, signal: AbortSignal): Promise<HttpReceipt> {
    const reply = await this.#client.postJson(
      this.#url,
      JSON.stringify(message.payload),
      {},
      signal,
    );
    const body = excerpt(reply.text);
    if (reply.status === 200 && body === 'ok') {
      return {
        transport: 'slack-webhook',
        status: reply.status,
        response: body,
        acceptedAt: new Date().toISOString(),
      };
    }
    if (reply.status === 200) {
      // Slack answers exactly `ok`; anything else is not Slack (a proxy's page, a portal).
      throw new HttpDeliveryError(`Slack webhook answered 200 without ok: ${body}`, {
        code: 'HTTP_BAD_REPLY',
        status: reply.status,
        reason: body,
      });
    }
    throw replyError(this.#client, 'Slack webhook', reply, body || `HTTP ${reply.status}`);
  }
}

// Web API errors (`ok: false`) that say Slack failed, not that the message or our setup is
// wrong: retried like a 5xx. `ratelimited` is a 429 in the body's words.
const SLACK_SERVER_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * Slack through the Web API's chat.postMessage with a bot token: HTTP 200 carries
 * `{ok: true, channel, ts}` or `{ok: false, error}`; 429 carries Retry-After. The message
 * `ts` is the receipt's id. The channel comes from the receiver, not the rendered body.
 */
export class SlackApiTransport implements HttpTransport {
  readonly #client: HttpClient;
  readonly #url: string;
  readonly #token: string;
  readonly #channel: string;

  constructor(client: HttpClient, options: { token: string; channel: string; apiUrl: string }) {
    this.#client = client;
    this.#url = `${options.apiUrl.replace(/\/+$/, '')}/chat.postMessage`;
    this.#token = options.token;
    this.#channel = options.channel;
  }

  async send(message: OutgoingPost, signal: AbortSignal): Promise<HttpReceipt> {
    const body = JSON.stringify({ ...message.payload, channel: this.#channel });
    const reply = await this.#client.postJson(
      this.#url,
      body,
      { authorization: `Bearer ${this.#token}` },
      signal,
    );
    if (reply.status !== 200) {
      throw replyError(
        this.#client,
        'Slack chat.postMessage',
        reply,
        excerpt(reply.text) || `HTTP ${reply.status}`,
      );
    }
    const answer = parseObject(reply.text);
    if (answer === undefined || typeof answer.ok !== 'boolean') {
      throw new HttpDeliveryError(
        `Slack chat.postMessage answered 200 without its JSON: ${excerpt(reply.text)}`,
        {
          code: 'HTTP_BAD_REPLY',
          status: reply.status,
          reason: excerpt(reply.text),
        },
      );
    }
    if (answer.ok === true && typeof answer.ts === 'string') {
      return {
        transport: 'slack-api',
        status: reply.status,
        id: answer.ts,
        ...(typeof answer.channel === 'string' ? { channel: answer.channel } : {}),
        response: 'ok',
        acceptedAt: new Date().toISOString(),
      };
    }
    if (answer.ok === true) {
      throw new HttpDeliveryError('Slack chat.postMessage answered ok without a ts', {
        code: 'HTTP_BAD_REPLY',
        status: reply.status,
      });
    }
    const error = typeof answer.error === 'string' ? answer.error : 'unknown_error';
    if (error === 'ratelimited') {
      const retryAfterMs = this.#client.retryAfterMs(reply);
      throw new HttpDeliveryError('Slack chat.postMessage rate limited', {
        code: 'HTTP_RATE_LIMITED',
        status: reply.status,
        reason: error,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    const code = SLACK_SERVER_ERRORS.has(error) ? 'HTTP_SERVER_ERROR' : 'HTTP_REJECTED';
    throw new HttpDeliveryError(`Slack chat.postMessage failed: ${error}`, {
      code,
      status: reply.status,
      reason: error,
    });
  }
}
