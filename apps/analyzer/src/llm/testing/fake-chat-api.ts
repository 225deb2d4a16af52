import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for an OpenAI-compatible chat completions endpoint on 127.0.0.1: POST
// /v1/chat/completions answering `choices[0].message.content`, errors as
// `{ error: { message, type } }`. Faults are scripted per request with `interceptNext`.

/** A reply that replaces the model's for the next request. */
export type ScriptedChatReply =
  /** Any status and raw body (a string is sent as it is: malformed JSON included). */
  | { status: number; body?: string | object; headers?: Record<string, string> }
  /** A 200 whose message content is this string, as a model that ignores the schema does. */
  | { content: string }
  /** Answer nothing and keep the connection open. */
  | { hang: true };

/** One request the fake saw. */
export interface SeenChatRequest {
  path: string;
  authorization: string | undefined;
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    response_format?: {
      type?: string;
      json_schema?: { name?: string; strict?: boolean; schema?: unknown };
    };
  };
}

/** How the fake model answers a request nobody scripted: the content object it returns. */
export type FakeModel = (request: SeenChatRequest) => unknown;

export interface FakeChatApi {
  /** Base URL including `/v1`, as HERALD_LLM_URL takes it. */
  url: string;
  requests: SeenChatRequest[];
  /** Most requests that were in flight at the same time. */
  maxInFlight: number;
  interceptNext(reply: ScriptedChatReply): void;
  /** Replaces how the model answers unscripted requests. */
  setModel(model: FakeModel): void;
  close(): Promise<void>;
}

/** A well-behaved model: plain sentences in the requested shape. */
export const politeModel: FakeModel = () => ({
  summary: 'The model summarises what happened on this machine in plain words.',
  whyItMatters: 'The model explains why this matters to the team that owns the machine.',
  nextSteps: ['Check the machine named in the alert.', 'Tell the owner what you found.'],
});

function send(
  res: ServerResponse,
  status: number,
  body: string | object,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function completion(content: string): object {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'fake-model',
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop' },
    ],
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the fake endpoint on an ephemeral port of 127.0.0.1. */
export async function startFakeChatApi(model: FakeModel = politeModel): Promise<FakeChatApi> {
  const scripted: ScriptedChatReply[] = [];
  const requests: SeenChatRequest[] = [];
  let answer = model;
  let inFlight = 0;
  const api = { maxInFlight: 0 };

  const server = createServer((req, res) => {
    inFlight += 1;
    api.maxInFlight = Math.max(api.maxInFlight, inFlight);
    res.on('close', () => {
      inFlight -= 1;
    });
    void (async () => {
      const text = await readBody(req);
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        send(res, 404, {
          error: {
            message: `Unknown request URL: ${req.method} ${req.url}`,
            type: 'invalid_request_error',
          },
        });
        return;
      }
      let body: SeenChatRequest['body'];
      try {
        body = JSON.parse(text) as SeenChatRequest['body'];
      } catch {
        send(res, 400, {
          error: {
            message: 'We could not parse the JSON body of your request.',
            type: 'invalid_request_error',
          },
        });
        return;
      }
      const seen: SeenChatRequest = {
        path: req.url,
        authorization: req.headers.authorization,
        body,
      };
      requests.push(seen);

      const reply = scripted.shift();
      if (reply === undefined) {
        // Slow enough that concurrent requests overlap, as a real model's do.
        await new Promise((resolve) => setTimeout(resolve, 20));
        send(res, 200, completion(JSON.stringify(answer(seen))));
      } else if ('hang' in reply) {
        return;
      } else if ('content' in reply) {
        send(res, 200, completion(reply.content));
      } else {
        send(res, reply.status, reply.body ?? '', reply.headers);
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get maxInFlight() {
      return api.maxInFlight;
    },
    interceptNext: (reply) => scripted.push(reply),
    setModel: (next) => {
      answer = next;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
