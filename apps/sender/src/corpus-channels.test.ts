// Every corpus alert, rendered for every channel by the formatter's own renderers and
// default templates, goes through the real wire protocol to a server speaking that
// channel's API, and arrives as rendered: Slack (incoming webhook and chat.postMessage),
// Teams Workflows, the signed webhook, PagerDuty Events v2, and email over SMTP.
import type { Analysis, Enrichment, MessageChannel, RenderedMessage } from '@herald/contracts';
import { loadTemplateSet, renderMessage } from '@herald/formatter';
import { loadCorpus } from '@herald/testkit';
import { validateAlert, type WazuhAlert } from '@herald/wazuh';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HttpClient } from './transports/http-client.ts';
import { PagerDutyTransport } from './transports/pagerduty.ts';
import { parseEml } from './transports/parse-eml.ts';
import {
  PAGERDUTY_ROUTING_KEY,
  SLACK_TOKEN,
  startFakePagerDuty,
  startFakeSlack,
  startFakeTeams,
  startFakeWebhookReceiver,
  WEBHOOK_SECRET,
  type FakePagerDuty,
  type FakeSlack,
  type FakeTeams,
  type FakeWebhookReceiver,
} from './transports/provider-test-servers.ts';
import { SlackApiTransport, SlackWebhookTransport } from './transports/slack.ts';
import { SmtpTransport } from './transports/smtp.ts';
import { startTestSmtpServer, type TestSmtpServer } from './transports/smtp-test-server.ts';
import { TeamsTransport } from './transports/teams.ts';
import { WebhookTransport } from './transports/webhook.ts';

const signal = new AbortController().signal;
const corpus = loadCorpus().map(({ line, alert }) => {
  const result = validateAlert(alert);
  if (!result.ok) throw new Error(`corpus line ${line} is not a valid alert`);
  return { line, alert: result.alert };
});

/** What the enricher stores when only the alert is known, and the analyzer's rule result. */
function inputFor(line: number, alert: WazuhAlert) {
  const enrichment: Enrichment = {
    kind: alert.agent ? 'agent' : 'unknown',
    agent: { id: alert.agent?.id, name: alert.agent?.name, ip: alert.agent?.ip },
    sources: ['alert'],
    missing: [],
  };
  const analysis: Analysis = {
    family: 'other',
    score: Math.min(100, alert.rule.level * 6),
    priority: alert.rule.level >= 10 ? 'high' : 'medium',
    reasons: [`rule level ${alert.rule.level}`],
    title: alert.rule.description,
    summary: `Wazuh reported "${alert.rule.description}".`,
    whyItMatters: 'It may be an attack in progress.',
    nextSteps: ['Check whether the activity was expected.'],
    explainedBy: 'rules',
    receivers: ['soc'],
  };
  const alertId = `00000000-0000-4000-8000-${String(line).padStart(12, '0')}`;
  return { alertId, alert, enrichment, analysis, publicUrl: 'https://herald.example.com' };
}

function render(channel: MessageChannel, line: number, alert: WazuhAlert): RenderedMessage {
  const templates = loadTemplateSet(channel);
  const target =
    channel === 'email'
      ? { channel, from: 'herald@example.com', to: ['soc@example.com'], templates }
      : { channel, templates };
  return renderMessage(target, inputFor(line, alert));
}

function payloadOf(message: RenderedMessage): Record<string, unknown> {
  if (message.channel === 'email') throw new Error('an email has no JSON payload');
  return message.payload;
}

let slack: FakeSlack;
let teams: FakeTeams;
let hook: FakeWebhookReceiver;
let pagerduty: FakePagerDuty;
let smtp: TestSmtpServer;
let client: HttpClient;

beforeAll(async () => {
  [slack, teams, hook, pagerduty, smtp] = await Promise.all([
    startFakeSlack(),
    startFakeTeams(),
    startFakeWebhookReceiver(),
    startFakePagerDuty(),
    startTestSmtpServer(),
  ]);
  client = new HttpClient({ responseTimeoutMs: 5_000 });
});

afterAll(async () => {
  await client.close();
  await Promise.all([slack.close(), teams.close(), hook.close(), pagerduty.close(), smtp.close()]);
});

describe('every corpus alert over every channel wire protocol', () => {
  test('the corpus has its 25 alerts', () => {
    expect(corpus).toHaveLength(25);
  });

  test.each(corpus)('corpus line $line', async ({ line, alert }) => {
    const key = `<${inputFor(line, alert).alertId}.soc@herald>`;

    const slackMessage = payloadOf(render('slack', line, alert));
    await new SlackWebhookTransport(client, { webhookUrl: slack.webhookUrl }).send(
      { payload: slackMessage, key },
      signal,
    );
    const api = new SlackApiTransport(client, {
      token: SLACK_TOKEN,
      channel: '#soc',
      apiUrl: slack.apiUrl,
    });
    const posted = await api.send({ payload: slackMessage, key }, signal);
    expect(slack.posted.slice(-2)).toEqual([slackMessage, { ...slackMessage, channel: '#soc' }]);
    expect(posted.id).toMatch(/^\d+\.\d{6}$/);

    const teamsMessage = payloadOf(render('teams', line, alert)) as {
      attachments: { content: unknown }[];
    };
    await new TeamsTransport(client, { webhookUrl: teams.webhookUrl }).send(
      { payload: teamsMessage, key },
      signal,
    );
    expect(teams.cards.at(-1)).toEqual(teamsMessage.attachments[0]!.content);

    const document = payloadOf(render('webhook', line, alert));
    await new WebhookTransport(client, { url: hook.hookUrl, secret: WEBHOOK_SECRET }).send(
      { payload: document, key },
      signal,
    );
    // The receiver stored it only because its signature verified over the bytes that arrived.
    expect(hook.accepted.at(-1)).toEqual({ key, document });

    const event = payloadOf(render('pagerduty', line, alert));
    const receipt = await new PagerDutyTransport(client, {
      url: pagerduty.enqueueUrl,
      routingKey: PAGERDUTY_ROUTING_KEY,
    }).send({ payload: event, key }, signal);
    expect(pagerduty.events.at(-1)).toEqual({ ...event, routing_key: PAGERDUTY_ROUTING_KEY });
    expect(receipt.id).toBe(event.dedup_key);

    const email = render('email', line, alert);
    if (email.channel !== 'email') throw new Error('not an email');
    const transport = new SmtpTransport({ host: '127.0.0.1', port: smtp.port, security: 'none' });
    try {
      await transport.send({ ...email, messageId: key }, signal);
    } finally {
      await transport.close();
    }
    const mail = parseEml(smtp.received.at(-1)!.raw);
    expect(mail.header('Message-ID')).toBe(key);
    expect(mail.header('Subject')).toBe(email.subject);
    expect(mail.text?.trimEnd()).toBe(email.text.trimEnd());
    expect(mail.html?.trimEnd()).toBe(email.html.trimEnd());
    for (const [name, value] of Object.entries(email.headers)) {
      expect(mail.header(name), name).toBe(value);
    }
  });
});
