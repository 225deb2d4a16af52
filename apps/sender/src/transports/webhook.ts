import { createHmac, timingSafeEqual } from 'node:crypto';
import { excerpt, replyError, type HttpClient } from './http-client.ts';
import type { HttpReceipt, HttpTransport, OutgoingPost } from './http-types.ts';

/** The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export const SIGNATURE_HEADER = 'x-herald-signature';
/** The idempotency key: the same for every attempt of one delivery. */
export const DELIVERY_HEADER = 'x-herald-delivery';

/** The X-Herald-Signature value for `body` sent at `unixSeconds`. */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * What a receiver does with X-Herald-Signature (see the README): recompute the HMAC over
 * the timestamp and the raw body, compare in constant time, and refuse a timestamp older
 * than `toleranceS` so a captured request cannot be replayed later.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  signature: string | undefined,
  options: { nowS?: number; toleranceS?: number } = {},
): boolean {
  const fields = new Map(
    (signature ?? '').split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = Number(fields.get('t'));
  const v1 = fields.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const nowS = options.nowS ?? Math.floor(Date.now() / 1_000);
  if (Math.abs(nowS - t) > (options.toleranceS ?? 300)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

/**
 * The generic webhook: POSTs the rendered JSON document, signed (X-Herald-Signature) and
 * keyed (X-Herald-Delivery) so the receiver can check where it came from and drop a
 * resent copy. Any 2xx is success.
 */
export class WebhookTransport implements HttpTransport {
  readonly #client: HttpClient;
  readonly #url: string;
  readonly #secret: string;
  readonly #nowS: () => number;

  constructor(client: HttpClient, options: { url: string; secret: string; nowS?: () => number }) {
    this.#client = client;
    this.#url = options.url;
    this.#secret = options.secret;
    this.#nowS = options.nowS ?? (() => Math.floor(Date.now() / 1_000));
  }

  async send(message: OutgoingPost, signal: AbortSignal): Promise<HttpReceipt> {
    const body = JSON.stringify(message.payload);
    // Signed at each attempt: a resent copy carries a fresh timestamp and the same key.
    const headers = {
      [SIGNATURE_HEADER]: signWebhook(this.#secret, body, this.#nowS()),
      [DELIVERY_HEADER]: message.key,
    };
    const reply = await this.#client.postJson(this.#url, body, headers, signal);
    if (reply.status >= 200 && reply.status <= 299) {
      const response = excerpt(reply.text);
      return {
        transport: 'webhook',
        status: reply.status,
        ...(response ? { response } : {}),
        acceptedAt: new Date().toISOString(),
      };
    }
    throw replyError(this.#client, 'webhook', reply, excerpt(reply.text) || `HTTP ${reply.status}`);
  }
}
