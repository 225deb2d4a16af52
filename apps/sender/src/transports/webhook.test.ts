import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { HttpClient } from './http-client.ts';
import { text } from './http-test-server.ts';
import {
  startFakeWebhookReceiver,
  WEBHOOK_SECRET,
  type FakeWebhookReceiver,
} from './provider-test-servers.ts';
import { httpFailure } from './test-failure.ts';
import { signWebhook, verifyWebhookSignature, WebhookTransport } from './webhook.ts';

const signal = new AbortController().signal;
const message = {
  key: '<a.hook@herald>',
  payload: { version: 1, alert: { id: 'a', rule: { level: 10 } } },
};
let receiver: FakeWebhookReceiver;
let client: HttpClient;

beforeEach(async () => {
  receiver = await startFakeWebhookReceiver();
  client = new HttpClient({ responseTimeoutMs: 500 });
});

afterEach(async () => {
  await client.close();
  await receiver.close();
});

describe('WebhookTransport', () => {
  test('signs the exact body it sends and keys it with the delivery key', async () => {
    let now = Math.floor(Date.now() / 1_000);
    const transport = new WebhookTransport(client, {
      url: receiver.hookUrl,
      secret: WEBHOOK_SECRET,
      nowS: () => now,
    });
    const receipt = await transport.send(message, signal);
    expect(receipt).toMatchObject({ transport: 'webhook', status: 200 });
    expect(receipt.response).toContain(message.key);

    const [request] = receiver.requests;
    expect(request!.headers['x-herald-delivery']).toBe(message.key);
    expect(request!.headers['x-herald-signature']).toBe(
      signWebhook(WEBHOOK_SECRET, request!.body, now),
    );
    expect(JSON.parse(request!.body)).toEqual(message.payload);
    expect(receiver.accepted).toEqual([{ key: message.key, document: message.payload }]);

    // A resent copy: fresh timestamp, same key, and the receiver keeps one.
    now += 60;
    await transport.send(message, signal);
    expect(receiver.requests[1]!.headers['x-herald-signature']).toMatch(
      new RegExp(`^t=${now},v1=[0-9a-f]{64}$`),
    );
    expect(receiver.accepted).toHaveLength(1);
  });

  test('a wrong secret is refused by the receiver (401), with its reason', async () => {
    const transport = new WebhookTransport(client, {
      url: receiver.hookUrl,
      secret: 'some-other-secret-value',
    });
    expect(await httpFailure(transport.send(message, signal))).toMatchObject({
      code: 'HTTP_REJECTED',
      status: 401,
      reason: 'signature does not verify',
    });
  });

  test('429 and 5xx from the receiver are retried, not failed', async () => {
    receiver.fail(text(429, 'slow down', { 'retry-after': '3' }), text(503, 'maintenance'));
    const transport = new WebhookTransport(client, {
      url: receiver.hookUrl,
      secret: WEBHOOK_SECRET,
    });
    expect(await httpFailure(transport.send(message, signal))).toMatchObject({
      code: 'HTTP_RATE_LIMITED',
      retryAfterMs: 3_000,
    });
    expect(await httpFailure(transport.send(message, signal))).toMatchObject({
      code: 'HTTP_SERVER_ERROR',
      status: 503,
    });
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"version":1}';
  const t = 1_780_000_000;
  const signature = signWebhook(WEBHOOK_SECRET, body, t);

  test('accepts the signature of the same body, secret and a recent time', () => {
    expect(verifyWebhookSignature(WEBHOOK_SECRET, body, signature, { nowS: t + 10 })).toBe(true);
  });

  test('refuses a changed body, another secret, a replay after the tolerance, or garbage', () => {
    expect(verifyWebhookSignature(WEBHOOK_SECRET, '{"version":2}', signature, { nowS: t })).toBe(
      false,
    );
    expect(verifyWebhookSignature('another-secret-entirely', body, signature, { nowS: t })).toBe(
      false,
    );
    expect(verifyWebhookSignature(WEBHOOK_SECRET, body, signature, { nowS: t + 301 })).toBe(false);
    expect(verifyWebhookSignature(WEBHOOK_SECRET, body, 't=abc,v1=00', { nowS: t })).toBe(false);
    expect(verifyWebhookSignature(WEBHOOK_SECRET, body, undefined, { nowS: t })).toBe(false);
  });
});
