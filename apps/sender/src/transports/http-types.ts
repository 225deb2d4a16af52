/** Proof that an HTTP endpoint took a message, stored as the delivery's receipt. */
export interface HttpReceipt {
  transport: 'slack-webhook' | 'slack-api' | 'teams' | 'webhook' | 'pagerduty';
  /** The HTTP status of the accepting reply. */
  status: number;
  /**
   * The provider's id for what it took: Slack's message `ts` (chat.postMessage),
   * PagerDuty's `dedup_key`, the Teams workflow run id when the reply names one.
   */
  id?: string;
  /** The Slack channel id chat.postMessage posted in. */
  channel?: string;
  /** The provider's reply, cut short: `ok`, PagerDuty's `message`, a webhook's body. */
  response?: string;
  /** ISO 8601 time the endpoint accepted the message. */
  acceptedAt: string;
}

/** One message to post: the rendered JSON body and the delivery's stable key. */
export interface OutgoingPost {
  /** The JSON body the formatter rendered; the transport adds only what it alone knows. */
  payload: Record<string, unknown>;
  /** Stable per alert and receiver: the webhook's idempotency key (X-Herald-Delivery). */
  key: string;
}

/** Posts rendered messages to one receiver's HTTP endpoint. */
export interface HttpTransport {
  /**
   * Posts one message. Rejects with HttpDeliveryError, which says whether to wait
   * (`HTTP_RATE_LIMITED`, `retryAfterMs`), retry, or give up (`HTTP_REJECTED`, `reason`).
   */
  send(message: OutgoingPost, signal: AbortSignal): Promise<HttpReceipt>;
}
