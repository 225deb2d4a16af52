// Test helper (imported only by *.test.ts): small servers speaking the documented APIs of
// Slack (incoming webhooks and chat.postMessage), Teams Workflows webhooks, PagerDuty
// Events API v2 and a Herald webhook receiver, with their documented error replies.
import { verifyWebhookSignature } from './webhook.ts';
import {
  json,
  startHttpTestServer,
  text,
  type HttpTestServer,
  type RecordedRequest,
  type Reply,
} from './http-test-server.ts';

function parse(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Accepts at most one message per `intervalMs` (measured between accepted messages, as a
 * strict endpoint would); others get 429 with Retry-After in whole seconds, rounded up.
 */
function pacer(intervalMs: number | undefined) {
  let last: number | undefined;
  return (): Reply | undefined => {
    if (intervalMs === undefined) return undefined;
    const now = Date.now();
    if (last !== undefined && now - last < intervalMs) {
      const seconds = Math.ceil((intervalMs - (now - last)) / 1_000);
      return text(429, 'rate_limited', { 'retry-after': String(seconds) });
    }
    last = now;
    return undefined;
  };
}

export const SLACK_WEBHOOK_PATH = '/services/T0000/B0000/XXXXXXXX';
export const SLACK_TOKEN = 'xoxb-test-token';
export const SLACK_CHANNELS: Record<string, string> = { '#soc': 'C0SOC', C0SOC: 'C0SOC' };

export interface FakeSlack extends HttpTestServer {
  webhookUrl: string;
  apiUrl: string;
  /** Messages Slack posted (webhook and Web API), in order. */
  posted: Record<string, unknown>[];
}

/**
 * Slack. Incoming webhook (`POST /services/...`): `ok`, or plain-text errors
 * (`invalid_payload` 400 for a body that is not JSON, `no_text` 400 without text or
 * blocks, `no_service` 404 for an unknown hook). Web API (`POST /api/chat.postMessage`):
 * HTTP 200 with `{ok: true, channel, ts}` or `{ok: false, error}` (`not_authed`,
 * `invalid_auth`, `channel_not_found`, `no_text`). Both answer 429 with Retry-After when
 * messages come faster than `intervalMs`.
 */
export async function startFakeSlack(options: { intervalMs?: number } = {}): Promise<FakeSlack> {
  const posted: Record<string, unknown>[] = [];
  const paced = pacer(options.intervalMs);
  let sequence = 0;

  function webhook(request: RecordedRequest): Reply {
    if (request.path !== SLACK_WEBHOOK_PATH) return text(404, 'no_service');
    const message = parse(request.body);
    if (!message) return text(400, 'invalid_payload');
    if (typeof message.text !== 'string' && !Array.isArray(message.blocks))
      return text(400, 'no_text');
    const limited = paced();
    if (limited) return limited;
    posted.push(message);
    return text(200, 'ok');
  }

  function postMessage(request: RecordedRequest): Reply {
    const auth = request.headers.authorization;
    if (!auth) return json(200, { ok: false, error: 'not_authed' });
    if (auth !== `Bearer ${SLACK_TOKEN}`) return json(200, { ok: false, error: 'invalid_auth' });
    const message = parse(request.body);
    if (!message) return json(200, { ok: false, error: 'invalid_json' });
    const channel = SLACK_CHANNELS[String(message.channel)];
    if (!channel) return json(200, { ok: false, error: 'channel_not_found' });
    if (typeof message.text !== 'string' && !Array.isArray(message.blocks)) {
      return json(200, { ok: false, error: 'no_text' });
    }
    const limited = paced();
    if (limited) return json(429, { ok: false, error: 'ratelimited' }, limited.headers);
    posted.push(message);
    sequence += 1;
    const ts = `${Math.floor(Date.now() / 1_000)}.${String(sequence).padStart(6, '0')}`;
    return json(200, {
      ok: true,
      channel,
      ts,
      message: { type: 'message', text: message.text, ts },
    });
  }

  const server = await startHttpTestServer((request) =>
    request.path === '/api/chat.postMessage' ? postMessage(request) : webhook(request),
  );
  return {
    ...server,
    webhookUrl: `${server.url}${SLACK_WEBHOOK_PATH}`,
    apiUrl: `${server.url}/api`,
    posted,
  };
}

export const TEAMS_WORKFLOW_PATH = '/workflows/abc/triggers/manual/paths/invoke?sig=test';

export interface FakeTeams extends HttpTestServer {
  webhookUrl: string;
  /** Adaptive Cards the flow took. */
  cards: Record<string, unknown>[];
}

/**
 * A Teams Workflows webhook: 202 Accepted with `x-ms-workflow-run-id` for a message with
 * one Adaptive Card attachment; 400 `{error: {code, message}}` otherwise; 404 for an
 * unknown flow.
 */
export async function startFakeTeams(): Promise<FakeTeams> {
  const cards: Record<string, unknown>[] = [];
  let run = 0;
  const server = await startHttpTestServer((request) => {
    if (request.path !== TEAMS_WORKFLOW_PATH) {
      return json(404, {
        error: { code: 'WorkflowNotFound', message: 'The workflow could not be found.' },
      });
    }
    const message = parse(request.body);
    const attachments = Array.isArray(message?.attachments) ? message.attachments : [];
    const card = attachments[0] as { contentType?: unknown; content?: unknown } | undefined;
    if (
      message?.type !== 'message' ||
      card?.contentType !== 'application/vnd.microsoft.card.adaptive' ||
      typeof card.content !== 'object'
    ) {
      return json(400, {
        error: {
          code: 'InvalidRequestContent',
          message: 'The request content is not a message with an Adaptive Card.',
        },
      });
    }
    cards.push(card.content as Record<string, unknown>);
    run += 1;
    return {
      status: 202,
      headers: { 'x-ms-workflow-run-id': `0858${String(run).padStart(4, '0')}` },
    };
  });
  return { ...server, webhookUrl: `${server.url}${TEAMS_WORKFLOW_PATH}`, cards };
}

export const PAGERDUTY_ROUTING_KEY = 'R0UT1NGKEY0000000000000000000000'; // 32 characters

export interface FakePagerDuty extends HttpTestServer {
  enqueueUrl: string;
  events: Record<string, unknown>[];
}

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): 202 `{status: 'success', message:
 * 'Event processed', dedup_key}`, or 400 `{status: 'invalid event', message: 'Event object
 * is invalid', errors: [...]}` for a wrong routing key, action or trigger payload.
 */
export async function startFakePagerDuty(): Promise<FakePagerDuty> {
  const events: Record<string, unknown>[] = [];
  let counter = 0;
  const server = await startHttpTestServer((request) => {
    if (request.path !== '/v2/enqueue') return json(404, { status: 'not found' });
    const event = parse(request.body);
    const errors: string[] = [];
    if (!event) {
      return json(400, {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ['Malformed JSON'],
      });
    }
    if (event.routing_key !== PAGERDUTY_ROUTING_KEY) {
      errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
    }
    if (!['trigger', 'acknowledge', 'resolve'].includes(String(event.event_action))) {
      errors.push(
        "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')",
      );
    }
    const payload = event.payload as Record<string, unknown> | undefined;
    if (event.event_action === 'trigger') {
      for (const field of ['summary', 'source', 'severity']) {
        if (typeof payload?.[field] !== 'string')
          errors.push(`'payload.${field}' is missing or blank`);
      }
    }
    if (event.event_action !== 'trigger' && typeof event.dedup_key !== 'string') {
      errors.push("'dedup_key' is missing or blank");
    }
    if (errors.length > 0) {
      return json(400, { status: 'invalid event', message: 'Event object is invalid', errors });
    }
    events.push(event);
    counter += 1;
    const dedupKey = typeof event.dedup_key === 'string' ? event.dedup_key : `srv${counter}`;
    return json(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  });
  return { ...server, enqueueUrl: `${server.url}/v2/enqueue`, events };
}

export const WEBHOOK_SECRET = 'a-webhook-secret-of-some-length';

export interface FakeWebhookReceiver extends HttpTestServer {
  hookUrl: string;
  /** Documents whose signature verified, with their X-Herald-Delivery key. */
  accepted: { key: string; document: Record<string, unknown> }[];
}

/**
 * A receiver that does what the sender README tells receivers to do: verify
 * X-Herald-Signature (401 when it does not verify) and drop a repeated X-Herald-Delivery
 * (200 again, nothing stored twice).
 */
export async function startFakeWebhookReceiver(): Promise<FakeWebhookReceiver> {
  const accepted: FakeWebhookReceiver['accepted'] = [];
  const server = await startHttpTestServer((request) => {
    const signature = request.headers['x-herald-signature'];
    if (
      !verifyWebhookSignature(
        WEBHOOK_SECRET,
        request.body,
        Array.isArray(signature) ? signature[0] : signature,
      )
    ) {
      return text(401, 'signature does not verify');
    }
    const key = String(request.headers['x-herald-delivery'] ?? '');
    const document = parse(request.body);
    if (!key || !document) return text(400, 'no delivery key or no JSON document');
    if (!accepted.some((entry) => entry.key === key)) accepted.push({ key, document });
    return json(200, { received: key });
  });
  return { ...server, hookUrl: `${server.url}/hooks/herald`, accepted };
}
