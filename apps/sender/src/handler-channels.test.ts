import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { rendered, receiverMap, receiverOf, senderReplica } from './channel-test-support.ts';
import { alertWithDeliveries, deliveryRows } from './test-support.ts';
import { json, text } from './transports/http-test-server.ts';
import {
  startFakePagerDuty,
  startFakeSlack,
  startFakeTeams,
  startFakeWebhookReceiver,
  type FakePagerDuty,
  type FakeSlack,
  type FakeTeams,
  type FakeWebhookReceiver,
} from './transports/provider-test-servers.ts';
import { closedPort } from './transports/smtp-test-server.ts';

const context = { logger: undefined as never, signal: new AbortController().signal };
let slack: FakeSlack;
let teams: FakeTeams;
let hook: FakeWebhookReceiver;
let pagerduty: FakePagerDuty;
let mailboxDir: string;

beforeEach(async () => {
  [slack, teams, hook, pagerduty] = await Promise.all([
    startFakeSlack(),
    startFakeTeams(),
    startFakeWebhookReceiver(),
    startFakePagerDuty(),
  ]);
  mailboxDir = await mkdtemp(join(tmpdir(), 'herald-mailbox-'));
});

afterEach(async () => {
  await Promise.all([slack.close(), teams.close(), hook.close(), pagerduty.close()]);
  await rm(mailboxDir, { recursive: true, force: true });
});

function everyReceiver() {
  return receiverMap(
    receiverOf.slackApi('chat', slack),
    receiverOf.slackWebhook('hooked-chat', slack),
    receiverOf.teams('team', teams),
    receiverOf.webhook('hook', hook),
    receiverOf.pagerduty('oncall', pagerduty),
  );
}

describe('send handler, every channel', () => {
  test('each delivery goes to its receiver over its channel, with the provider receipt, once', async ({
    db,
    redis,
  }) => {
    const { handler } = senderReplica({ db, redis, receivers: everyReceiver(), mailboxDir });
    const alert = await alertWithDeliveries(db, {
      chat: rendered.slack('via the Web API'),
      'hooked-chat': rendered.slack('via a webhook'),
      team: rendered.teams(),
      hook: rendered.webhook(),
      oncall: rendered.pagerduty('herald-a'),
      mail: 'soc@example.com',
    });

    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);
    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);

    expect(slack.posted.map((m) => m.text)).toEqual(['via the Web API', 'via a webhook']);
    expect(teams.cards).toHaveLength(1);
    expect(hook.requests).toHaveLength(1);
    expect(hook.accepted[0]!.key).toBe(`<${alert.id}.hook@herald>`);
    expect(pagerduty.events).toHaveLength(1);
    expect(await readdir(mailboxDir)).toHaveLength(1);
    const rows = await deliveryRows(db, alert.id);
    expect(rows.map((r) => [r.receiver, r.status, r.attempts])).toEqual([
      ['chat', 'delivered', 1],
      ['hook', 'delivered', 1],
      ['hooked-chat', 'delivered', 1],
      ['mail', 'delivered', 1],
      ['oncall', 'delivered', 1],
      ['team', 'delivered', 1],
    ]);
    const receipt = (name: string) => rows.find((r) => r.receiver === name)!.receipt;
    expect(receipt('chat')).toMatchObject({
      transport: 'slack-api',
      status: 200,
      channel: 'C0SOC',
      id: expect.stringMatching(/^\d+\.\d+$/),
    });
    expect(receipt('hooked-chat')).toMatchObject({
      transport: 'slack-webhook',
      status: 200,
      response: 'ok',
    });
    expect(receipt('team')).toMatchObject({ transport: 'teams', status: 202, id: '08580001' });
    expect(receipt('hook')).toMatchObject({ transport: 'webhook', status: 200 });
    expect(receipt('oncall')).toMatchObject({
      transport: 'pagerduty',
      status: 202,
      id: 'herald-a',
    });
    expect(receipt('mail')).toMatchObject({ transport: 'mailbox', response: 'written' });
  });

  test('a 429 defers without an attempt or a breaker failure, and the other replicas wait too', async ({
    db,
    redis,
  }) => {
    const receivers = everyReceiver();
    const first = senderReplica({ db, redis, receivers, breaker: { minimumCalls: 1 } });
    const second = senderReplica({ db, redis, receivers });
    slack.fail(text(429, 'rate_limited', { 'retry-after': '3' }));
    const alert = await alertWithDeliveries(db, { 'hooked-chat': rendered.slack() });

    const [result] = await first.handler.process([alert], context);
    expect(result).toMatchObject({ kind: 'defer', id: alert.id, delayMs: 3_000 });
    expect(await deliveryRows(db, alert.id)).toMatchObject([{ status: 'pending', attempts: 0 }]);
    // One call, and with a minimum of one call a single counted failure would have opened it.
    expect(first.breakers.get('slack:hooked-chat').snapshot()).toMatchObject({
      state: 'closed',
      failureRate: 0,
    });

    const [elsewhere] = await second.handler.process([alert], context);
    expect(elsewhere).toMatchObject({ kind: 'defer' });
    expect(elsewhere?.kind === 'defer' && elsewhere.delayMs).toBeGreaterThan(1_000);
    expect(slack.requests).toHaveLength(1);
  });

  test('a refused message fails with the provider reason; the others are delivered and not resent', async ({
    db,
    redis,
  }) => {
    const { handler } = senderReplica({ db, redis, receivers: everyReceiver() });
    const alert = await alertWithDeliveries(db, {
      team: rendered.teams(),
      oncall: rendered.pagerduty(),
    });
    teams.fail(
      json(400, {
        error: {
          code: 'InvalidRequestContent',
          message: 'The request content is not a message with an Adaptive Card.',
        },
      }),
    );

    const [result] = await handler.process([alert], context);
    expect(result).toMatchObject({ kind: 'fail' });
    expect(result?.kind === 'fail' && result.error).toContain('InvalidRequestContent');
    await handler.process([alert], context);

    expect(pagerduty.events).toHaveLength(1);
    expect(teams.requests).toHaveLength(1);
    expect(teams.cards).toHaveLength(0);
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { receiver: 'oncall', status: 'delivered' },
      {
        receiver: 'team',
        status: 'failed',
        attempts: 1,
        last_error: expect.stringContaining(
          'refused the message (400): InvalidRequestContent: The request content is not a message with an Adaptive Card.',
        ),
      },
    ]);
  });

  test('503 waits for the endpoint without an attempt; 500 is retried, the attempt counted', async ({
    db,
    redis,
  }) => {
    const { handler } = senderReplica({
      db,
      redis,
      receivers: everyReceiver(),
      destinationRetryMs: 777,
    });
    const alert = await alertWithDeliveries(db, { hook: rendered.webhook() });
    hook.fail(text(503, 'maintenance'), text(500, 'oops'));

    expect(await handler.process([alert], context)).toMatchObject([
      { kind: 'defer', delayMs: 777 },
    ]);
    expect(await deliveryRows(db, alert.id)).toMatchObject([{ status: 'pending', attempts: 0 }]);
    expect(await handler.process([alert], context)).toMatchObject([{ kind: 'retry' }]);
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      { status: 'pending', attempts: 1, last_error: expect.stringContaining('(500): oops') },
    ]);
    expect(await handler.process([alert], context)).toEqual([{ kind: 'done', id: alert.id }]);
    expect(await deliveryRows(db, alert.id)).toMatchObject([{ status: 'delivered', attempts: 2 }]);
  });

  test('the receiver rate_limit is shared by replicas: a second message within the period waits', async ({
    db,
    redis,
  }) => {
    const receivers = receiverMap(
      receiverOf.slackWebhook('chat', slack, { rate_limit: { messages: 1, per: '1m' } }),
    );
    const first = senderReplica({ db, redis, receivers });
    const second = senderReplica({ db, redis, receivers });
    const one = await alertWithDeliveries(db, { chat: rendered.slack('one') });
    const two = await alertWithDeliveries(db, { chat: rendered.slack('two') });

    expect(await first.handler.process([one], context)).toEqual([{ kind: 'done', id: one.id }]);
    const [waiting] = await second.handler.process([two], context);
    expect(waiting).toMatchObject({ kind: 'defer', id: two.id });
    expect(waiting?.kind === 'defer' && waiting.delayMs).toBeGreaterThan(0);
    expect(waiting?.kind === 'defer' && waiting.delayMs).toBeLessThanOrEqual(60_000);
    expect(await deliveryRows(db, two.id)).toMatchObject([{ status: 'pending', attempts: 0 }]);
    expect(slack.posted.map((m) => m.text)).toEqual(['one']);
  });

  test('an email receiver rate_limit holds back only that receiver, not the others on the same server', async ({
    db,
    redis,
  }) => {
    const receivers = receiverMap(
      { name: 'limited', email: { to: ['a@example.com'] }, rate_limit: { messages: 1, per: '1m' } },
      { name: 'free', email: { to: ['b@example.com'] } },
    );
    const { handler } = senderReplica({ db, redis, receivers, mailboxDir });
    const one = await alertWithDeliveries(db, { limited: 'a@example.com', free: 'b@example.com' });
    const two = await alertWithDeliveries(db, { limited: 'a@example.com', free: 'b@example.com' });

    expect(await handler.process([one], context)).toEqual([{ kind: 'done', id: one.id }]);
    expect(await handler.process([two], context)).toMatchObject([{ kind: 'defer', id: two.id }]);
    expect(await deliveryRows(db, two.id)).toMatchObject([
      { receiver: 'free', status: 'delivered' },
      { receiver: 'limited', status: 'pending', attempts: 0 },
    ]);
    expect(await readdir(mailboxDir)).toHaveLength(3);
  });

  test('one breaker per destination: Slack down opens only its own, the webhook still delivers', async ({
    db,
    redis,
  }) => {
    const down = `http://127.0.0.1:${await closedPort()}/services/x`;
    const receivers = receiverMap(
      { name: 'chat', slack: { webhook_url: down } },
      receiverOf.webhook('hook', hook),
    );
    const { handler, breakers } = senderReplica({
      db,
      redis,
      receivers,
      breaker: { minimumCalls: 2 },
    });
    const alerts = [
      await alertWithDeliveries(db, { chat: rendered.slack(), hook: rendered.webhook('1') }),
      await alertWithDeliveries(db, { chat: rendered.slack(), hook: rendered.webhook('2') }),
    ];

    const results = await handler.process(alerts, context);
    expect(results.map((r) => r.kind)).toEqual(['defer', 'defer']);
    expect(breakers.get('slack:chat').snapshot().state).toBe('open');
    expect(breakers.get('webhook:hook').snapshot().state).toBe('closed');
    expect(hook.accepted).toHaveLength(2);
  });

  test('a receiver missing from the configuration, or of another channel, fails naming it', async ({
    db,
    redis,
  }) => {
    const { handler } = senderReplica({ db, redis, receivers: everyReceiver() });
    const alert = await alertWithDeliveries(db, {
      nobody: rendered.slack(),
      team: rendered.webhook(),
    });
    const [result] = await handler.process([alert], context);
    expect(result).toMatchObject({ kind: 'fail' });
    expect(await deliveryRows(db, alert.id)).toMatchObject([
      {
        receiver: 'nobody',
        status: 'failed',
        last_error: "no slack receiver named 'nobody' is configured",
      },
      {
        receiver: 'team',
        status: 'failed',
        last_error: "no webhook receiver named 'team' is configured",
      },
    ]);
    expect(hook.requests).toHaveLength(0);
  });
});
