import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { HttpClient } from './http-client.ts';
import { json } from './http-test-server.ts';
import { startFakeTeams, type FakeTeams } from './provider-test-servers.ts';
import { TeamsTransport } from './teams.ts';
import { httpFailure } from './test-failure.ts';

const signal = new AbortController().signal;
const card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Alert' }] };
const message = {
  key: '<a.teams@herald>',
  payload: {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }],
  },
};
let teams: FakeTeams;
let client: HttpClient;

beforeEach(async () => {
  teams = await startFakeTeams();
  client = new HttpClient({ responseTimeoutMs: 500 });
});

afterEach(async () => {
  await client.close();
  await teams.close();
});

describe('TeamsTransport', () => {
  const transport = () => new TeamsTransport(client, { webhookUrl: teams.webhookUrl });

  test('the flow takes the card with 202; its run id is the receipt id', async () => {
    expect(await transport().send(message, signal)).toMatchObject({
      transport: 'teams',
      status: 202,
      id: '08580001',
    });
    expect(teams.cards).toEqual([card]);
  });

  test('200 from a trigger that answers at once is a delivery too', async () => {
    teams.fail({ status: 200 });
    expect(await transport().send(message, signal)).toMatchObject({
      transport: 'teams',
      status: 200,
    });
  });

  test('400 is refused with the flow code and message', async () => {
    const err = await httpFailure(
      transport().send({ ...message, payload: { type: 'message' } }, signal),
    );
    expect(err).toMatchObject({ code: 'HTTP_REJECTED', status: 400, retryable: false });
    expect(err.reason).toBe(
      'InvalidRequestContent: The request content is not a message with an Adaptive Card.',
    );
  });

  test('a deleted flow (404) is refused with its reason', async () => {
    const gone = new TeamsTransport(client, { webhookUrl: `${teams.url}/workflows/gone` });
    expect(await httpFailure(gone.send(message, signal))).toMatchObject({
      code: 'HTTP_REJECTED',
      reason: 'WorkflowNotFound: The workflow could not be found.',
    });
  });

  test('429 waits Retry-After; 502 and a hang are the endpoint failing', async () => {
    teams.fail(
      json(
        429,
        { error: { code: 'TooManyRequests', message: 'Rate limit is exceeded.' } },
        { 'retry-after': '5' },
      ),
      json(502, { error: { code: 'BadGateway', message: 'upstream' } }),
      'hang',
    );
    expect(await httpFailure(transport().send(message, signal))).toMatchObject({
      code: 'HTTP_RATE_LIMITED',
      retryAfterMs: 5_000,
      reason: 'TooManyRequests: Rate limit is exceeded.',
    });
    expect(await httpFailure(transport().send(message, signal))).toMatchObject({
      code: 'HTTP_SERVER_ERROR',
      status: 502,
    });
    expect(await httpFailure(transport().send(message, signal))).toMatchObject({
      code: 'HTTP_TIMEOUT',
    });
    expect(teams.cards).toEqual([]);
  });
});
