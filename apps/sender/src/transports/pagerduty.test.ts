import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { HttpClient } from './http-client.ts';
import { json, text } from './http-test-server.ts';
import { PagerDutyTransport } from './pagerduty.ts';
import {
  PAGERDUTY_ROUTING_KEY,
  startFakePagerDuty,
  type FakePagerDuty,
} from './provider-test-servers.ts';
import { httpFailure } from './test-failure.ts';

const signal = new AbortController().signal;
const event = {
  event_action: 'trigger',
  dedup_key: 'herald-alert-a',
  payload: { summary: 'Alert', source: 'web-01', severity: 'critical' },
};
const message = { key: '<a.pd@herald>', payload: event };
let pagerduty: FakePagerDuty;
let client: HttpClient;

beforeEach(async () => {
  pagerduty = await startFakePagerDuty();
  client = new HttpClient({ responseTimeoutMs: 500 });
});

afterEach(async () => {
  await client.close();
  await pagerduty.close();
});

const transport = (routingKey = PAGERDUTY_ROUTING_KEY) =>
  new PagerDutyTransport(client, { url: pagerduty.enqueueUrl, routingKey });

describe('PagerDutyTransport', () => {
  test('adds the routing key; 202 with the dedup key is the receipt', async () => {
    expect(await transport().send(message, signal)).toMatchObject({
      transport: 'pagerduty',
      status: 202,
      id: 'herald-alert-a',
      response: 'Event processed',
    });
    expect(pagerduty.events).toEqual([{ ...event, routing_key: PAGERDUTY_ROUTING_KEY }]);
  });

  test('400 invalid event is refused with PagerDuty errors', async () => {
    const err = await httpFailure(transport('short').send(message, signal));
    expect(err).toMatchObject({ code: 'HTTP_REJECTED', status: 400, retryable: false });
    expect(err.reason).toBe("Length of 'routing_key' is incorrect (should be 32 characters)");
  });

  test('429 (no Retry-After from PagerDuty) and 500 are retried', async () => {
    pagerduty.fail(
      json(429, {
        status: 'throttle event',
        message: 'Requests for this service are arriving too quickly.',
      }),
      text(500, ''),
    );
    const limited = await httpFailure(transport().send(message, signal));
    expect(limited).toMatchObject({ code: 'HTTP_RATE_LIMITED', breakerOutcome: 'ignore' });
    expect(limited.retryAfterMs).toBeUndefined();
    expect(await httpFailure(transport().send(message, signal))).toMatchObject({
      code: 'HTTP_SERVER_ERROR',
      status: 500,
    });
  });

  test('a 202 that is not PagerDuty JSON is a bad reply, safe to resend under the dedup key', async () => {
    pagerduty.fail({ status: 202, body: '<html>gateway</html>' });
    expect(await httpFailure(transport().send(message, signal))).toMatchObject({
      code: 'HTTP_BAD_REPLY',
      retryable: true,
    });
  });
});
