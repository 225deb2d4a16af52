import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { HttpClient } from './http-client.ts';
import { json, text } from './http-test-server.ts';
import { httpFailure } from './test-failure.ts';
import { SLACK_TOKEN, startFakeSlack, type FakeSlack } from './provider-test-servers.ts';
import { SlackApiTransport, SlackWebhookTransport } from './slack.ts';

const signal = new AbortController().signal;
const message = {
  key: '<a.slack@herald>',
  payload: { text: 'Alert', blocks: [{ type: 'section' }] },
};
let slack: FakeSlack;
let client: HttpClient;

beforeEach(async () => {
  slack = await startFakeSlack();
  client = new HttpClient({ responseTimeoutMs: 500 });
});

afterEach(async () => {
  await client.close();
  await slack.close();
});

describe('SlackWebhookTransport', () => {
  const webhook = () => new SlackWebhookTransport(client, { webhookUrl: slack.webhookUrl });

  test('posts the Block Kit body as it is; `ok` is the receipt', async () => {
    const receipt = await webhook().send(message, signal);
    expect(receipt).toMatchObject({ transport: 'slack-webhook', status: 200, response: 'ok' });
    expect(slack.posted).toEqual([message.payload]);
  });

  test.each([
    ['no_text', { text: undefined }, 400],
    ['no_service', 'unknown hook', 404],
  ] as const)(
    'Slack refuses it (%s): permanent, with its reason',
    async (reason, change, status) => {
      const transport =
        change === 'unknown hook'
          ? new SlackWebhookTransport(client, {
              webhookUrl: `${slack.url}/services/T0000/B0000/nope`,
            })
          : webhook();
      const payload =
        typeof change === 'object' ? { blocks: undefined, ...change } : message.payload;
      const err = await httpFailure(transport.send({ ...message, payload }, signal));
      expect(err).toMatchObject({ code: 'HTTP_REJECTED', retryable: false, status, reason });
    },
  );

  test.each([
    ['channel_not_found', 404],
    ['channel_is_archived', 410],
    ['action_prohibited', 403],
  ])('%s (%i) is refused with Slack reason', async (reason, status) => {
    slack.fail(text(status, reason));
    expect(await httpFailure(webhook().send(message, signal))).toMatchObject({
      code: 'HTTP_REJECTED',
      reason,
      status,
    });
  });

  test('429 carries Retry-After and is not a failure for the breaker', async () => {
    slack.fail(text(429, 'rate_limited', { 'retry-after': '30' }));
    expect(await httpFailure(webhook().send(message, signal))).toMatchObject({
      code: 'HTTP_RATE_LIMITED',
      retryAfterMs: 30_000,
      breakerOutcome: 'ignore',
    });
  });

  test('500 rollup_error is a server error; 200 without `ok` (a proxy page) is a bad reply', async () => {
    slack.fail(text(500, 'rollup_error'), {
      status: 200,
      body: '<html>Sign in to the proxy</html>',
    });
    expect(await httpFailure(webhook().send(message, signal))).toMatchObject({
      code: 'HTTP_SERVER_ERROR',
      reason: 'rollup_error',
    });
    expect(await httpFailure(webhook().send(message, signal))).toMatchObject({
      code: 'HTTP_BAD_REPLY',
      retryable: true,
    });
    expect(slack.posted).toEqual([]);
  });

  test('a Slack that never answers times out', async () => {
    slack.fail('hang');
    expect(await httpFailure(webhook().send(message, signal))).toMatchObject({
      code: 'HTTP_TIMEOUT',
    });
  });
});

describe('SlackApiTransport (chat.postMessage)', () => {
  const api = (options: { token?: string; channel?: string } = {}) =>
    new SlackApiTransport(client, {
      token: options.token ?? SLACK_TOKEN,
      channel: options.channel ?? '#soc',
      apiUrl: slack.apiUrl,
    });

  test('posts with the bot token and the receiver channel; the ts is the receipt id', async () => {
    const receipt = await api().send(message, signal);
    expect(receipt).toMatchObject({ transport: 'slack-api', status: 200, channel: 'C0SOC' });
    expect(receipt.id).toMatch(/^\d+\.\d{6}$/);
    expect(slack.posted).toEqual([{ ...message.payload, channel: '#soc' }]);
    expect(slack.requests[0]!.headers.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
  });

  test.each([
    ['invalid_auth', { token: 'xoxb-wrong' }],
    ['channel_not_found', { channel: '#nowhere' }],
  ])('HTTP 200 with ok:false %s is refused with that reason', async (reason, options) => {
    const err = await httpFailure(api(options).send(message, signal));
    expect(err).toMatchObject({ code: 'HTTP_REJECTED', status: 200, reason, retryable: false });
    expect(slack.posted).toEqual([]);
  });

  test('429 ratelimited waits Retry-After; internal_error is retried', async () => {
    slack.fail(
      json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '2' }),
      json(200, { ok: false, error: 'internal_error' }),
    );
    expect(await httpFailure(api().send(message, signal))).toMatchObject({
      code: 'HTTP_RATE_LIMITED',
      retryAfterMs: 2_000,
    });
    expect(await httpFailure(api().send(message, signal))).toMatchObject({
      code: 'HTTP_SERVER_ERROR',
      reason: 'internal_error',
      retryable: true,
    });
  });

  test('a 200 that is not the Web API JSON is a bad reply, not a delivery', async () => {
    slack.fail({ status: 200, body: 'not json' }, json(200, { ok: true }));
    expect(await httpFailure(api().send(message, signal))).toMatchObject({
      code: 'HTTP_BAD_REPLY',
    });
    expect(await httpFailure(api().send(message, signal))).toMatchObject({
      code: 'HTTP_BAD_REPLY',
    });
  });
});
