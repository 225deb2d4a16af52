import { excerpt, parseObject, replyError, type HttpClient } from './http-client.ts';
import { HttpDeliveryError } from './http-errors.ts';
import type { HttpReceipt, HttpTransport, OutgoingPost } from './http-types.ts';

/** PagerDuty's reason for a refused event: its `errors` list, else its `message`, else the body. */
function pagerDutyReason(text: string, status: number): string {
  const answer = parseObject(text);
  const errors = Array.isArray(answer?.errors)
    ? answer.errors.filter((e) => typeof e === 'string')
    : [];
  if (errors.length > 0) return excerpt(errors.join('; '));
  if (typeof answer?.message === 'string') return excerpt(answer.message);
  return excerpt(text) || `HTTP ${status}`;
}

/**
 * PagerDuty Events API v2: the rendered event plus the receiver's routing key, POSTed to
 * the enqueue endpoint. 202 `{status, message, dedup_key}` is success (the dedup key is
 * the receipt's id); 400 `{status: 'invalid event', errors}` refuses it; 429 and 5xx are
 * retried. PagerDuty deduplicates on `dedup_key`, so a resent event opens no second incident.
 */
export class PagerDutyTransport implements HttpTransport {
  readonly #client: HttpClient;
  readonly #url: string;
  readonly #routingKey: string;

  constructor(client: HttpClient, options: { url: string; routingKey: string }) {
    this.#client = client;
    this.#url = options.url;
    this.#routingKey = options.routingKey;
  }

  async send(message: OutgoingPost, signal: AbortSignal): Promise<HttpReceipt> {
    const body = JSON.stringify({ ...message.payload, routing_key: this.#routingKey });
    const reply = await this.#client.postJson(this.#url, body, {}, signal);
    if (reply.status < 200 || reply.status > 299) {
      throw replyError(this.#client, 'PagerDuty', reply, pagerDutyReason(reply.text, reply.status));
    }
    const answer = parseObject(reply.text);
    if (answer?.status !== 'success' || typeof answer.dedup_key !== 'string') {
      // Not PagerDuty's documented answer: resending is safe, the dedup key makes it one event.
      throw new HttpDeliveryError(
        `PagerDuty answered ${reply.status} without its JSON: ${excerpt(reply.text)}`,
        {
          code: 'HTTP_BAD_REPLY',
          status: reply.status,
          reason: excerpt(reply.text),
        },
      );
    }
    return {
      transport: 'pagerduty',
      status: reply.status,
      id: answer.dedup_key,
      ...(typeof answer.message === 'string' ? { response: answer.message } : {}),
      acceptedAt: new Date().toISOString(),
    };
  }
}
