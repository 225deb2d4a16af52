// Test helper (imported only by *.test.ts): an HTTP server on 127.0.0.1 that records every
// request and answers through a provider's handler, unless a queued fault answers first.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server read it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Milliseconds since the server started. */
  at: number;
}

/** What to answer. */
export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * A fault answers one request in place of the provider: a reply of its own (a 503, a proxy's
 * HTML page), `hang` (headers never come), or `reset` (the connection is dropped).
 */
export type Fault = Reply | 'hang' | 'reset';

export interface HttpTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: RecordedRequest[];
  /** Queues faults for the next requests, one each, before the provider answers again. */
  fail(...faults: Fault[]): void;
  close(): Promise<void>;
}

/** The provider's side: the request and what it answers. */
export type ProviderHandler = (request: RecordedRequest) => Reply;

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    body: JSON.stringify(value),
    headers: { 'content-type': 'application/json', ...headers },
  };
}

export function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, body, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } };
}

function answer(response: ServerResponse, reply: Reply): void {
  response.writeHead(reply.status, reply.headers ?? {});
  response.end(reply.body ?? '');
}

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startHttpTestServer(provider: ProviderHandler): Promise<HttpTestServer> {
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const started = Date.now();
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now() - started,
    };
    requests.push(recorded);
    const fault = faults.shift();
    if (fault === 'hang') return;
    if (fault === 'reset') {
      request.socket.destroy();
      return;
    }
    answer(response, fault ?? provider(recorded));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail: (...more) => faults.push(...more),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
