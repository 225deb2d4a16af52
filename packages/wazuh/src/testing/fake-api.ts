import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

// A stand-in for the Wazuh server API on 127.0.0.1, speaking its documented wire format
// (shared/reference/wazuh.md): Basic-auth login that issues HS256 JWTs with nbf/exp, 401
// for an expired, revoked or forged token, and GET /agents with affected_items and
// failed_items. Faults are scripted per route with `interceptNext`.

/** A reply that replaces the real one for the next matching request. */
export type ScriptedReply =
  | { status: number; body?: string | object; headers?: Record<string, string> }
  /** Answer nothing and keep the connection open, as a stuck API does. */
  | { hang: true };

export type FakeRoute = 'authenticate' | 'agents';

/** One request the fake saw, and what it answered. */
export interface SeenRequest {
  route: FakeRoute | 'other';
  method: string;
  path: string;
  query: URLSearchParams;
  auth: 'basic' | 'bearer' | 'none';
  status: number | 'hung';
}

export interface FakeWazuhApiOptions {
  /** username -> password. Default `{ wazuh: 'wazuh' }`. */
  users?: Record<string, string>;
  /** Agent records as the API returns them; each needs an `id`. */
  agents?: Record<string, unknown>[];
  /** Clock in epoch ms, shared with the client under test to age tokens. */
  now?: () => number;
  /** Token lifetime; Wazuh's default is 900 s. */
  tokenLifetimeS?: number;
  /** Serve https with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface FakeWazuhApi {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  requests: SeenRequest[];
  /** Scripts the next request on `route`; several calls queue in order. */
  interceptNext(route: FakeRoute, reply: ScriptedReply): void;
  /** Invalidates every token issued so far, as `DELETE /security/user/revoke` does. */
  revokeTokens(): void;
  /** Resolves when the client closes a connection the fake left hanging. */
  nextAbandonedConnection(): Promise<void>;
  close(): Promise<void>;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function unauthorized(res: ServerResponse, detail: string): void {
  json(res, 401, { title: 'Unauthorized', detail });
}

/** Copies the selected fields (`os.name` style paths) of an agent record; `id` always. */
function selectFields(
  agent: Record<string, unknown>,
  select: string | null,
): Record<string, unknown> {
  if (select === null) {
    return agent;
  }
  const out: Record<string, unknown> = { id: agent.id };
  for (const field of select.split(',')) {
    const [head, sub] = field.split('.') as [string, string | undefined];
    const value = agent[head];
    if (value === undefined) continue;
    if (sub === undefined) {
      out[head] = value;
    } else if (typeof value === 'object' && value !== null && sub in value) {
      const nested = (out[head] ??= {}) as Record<string, unknown>;
      nested[sub] = (value as Record<string, unknown>)[sub];
    }
  }
  return out;
}

/** Starts a fake Wazuh server API on 127.0.0.1 and a free port. */
export async function startFakeWazuhApi(options: FakeWazuhApiOptions = {}): Promise<FakeWazuhApi> {
  const users = options.users ?? { wazuh: 'wazuh' };
  const agents = new Map((options.agents ?? []).map((agent) => [String(agent.id), agent]));
  const now = options.now ?? Date.now;
  const lifetimeS = options.tokenLifetimeS ?? 900;
  const secret = randomBytes(32);
  const revoked = new Set<string>();
  const issued = new Set<string>();
  const scripts: Record<FakeRoute, ScriptedReply[]> = { authenticate: [], agents: [] };
  const requests: SeenRequest[] = [];
  const events = new EventEmitter();

  const sign = (data: string) => createHmac('sha256', secret).update(data).digest('base64url');
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

  function issueToken(username: string): string {
    const nbf = Math.floor(now() / 1000);
    const head = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({
      iss: 'wazuh',
      aud: 'Wazuh API REST',
      nbf,
      exp: nbf + lifetimeS,
      sub: username,
      run_as: false,
      rbac_roles: [1],
      rbac_mode: 'white',
      // Two logins in one second must still get distinct tokens, so revocation is exact.
      jti: randomBytes(8).toString('hex'),
    })}`;
    const token = `${head}.${sign(head)}`;
    issued.add(token);
    return token;
  }

  function tokenProblem(token: string): string | undefined {
    const [header, payload, signature] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined)
      return 'Invalid token';
    const expected = Buffer.from(sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return 'Invalid token';
    if (revoked.has(token)) return 'Invalid token';
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      exp: number;
    };
    return now() / 1000 >= exp ? 'Token expired' : undefined;
  }

  function authenticate(req: IncomingMessage, res: ServerResponse): number {
    const [scheme, value] = (req.headers.authorization ?? '').split(' ');
    const [username = '', password] = Buffer.from(value ?? '', 'base64')
      .toString('utf8')
      .split(':');
    if (scheme !== 'Basic' || password === undefined || users[username] !== password) {
      unauthorized(res, 'Invalid credentials');
      return 401;
    }
    json(res, 200, { data: { token: issueToken(username) }, error: 0 });
    return 200;
  }

  function listAgents(query: URLSearchParams, res: ServerResponse): number {
    const wanted = query.get('agents_list')?.split(',') ?? [...agents.keys()];
    const found = wanted.filter((id) => agents.has(id)).sort();
    const missing = wanted.filter((id) => !agents.has(id));
    const failedItems = missing.length
      ? [
          {
            error: {
              code: 1701,
              message: 'Agent does not exist',
              remediation: 'Please, use `GET /agents?select=id,name` to find all available agents',
            },
            id: missing,
          },
        ]
      : [];
    json(res, 200, {
      data: {
        affected_items: found.map((id) => selectFields(agents.get(id)!, query.get('select'))),
        total_affected_items: found.length,
        total_failed_items: missing.length,
        failed_items: failedItems,
      },
      message:
        missing.length === 0
          ? 'All selected agents information was returned'
          : found.length === 0
            ? 'No agent information was returned'
            : 'Some agents information was not returned',
      error: missing.length === 0 ? 0 : found.length === 0 ? 1 : 2,
    });
    return 200;
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const authorization = req.headers.authorization ?? '';
    const seen: SeenRequest = {
      route: 'other',
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      auth: authorization.startsWith('Basic ')
        ? 'basic'
        : authorization.startsWith('Bearer ')
          ? 'bearer'
          : 'none',
      status: 404,
    };
    requests.push(seen);
    if (req.method === 'POST' && url.pathname === '/security/user/authenticate')
      seen.route = 'authenticate';
    if (req.method === 'GET' && url.pathname === '/agents') seen.route = 'agents';

    const scripted = seen.route === 'other' ? undefined : scripts[seen.route].shift();
    if (scripted && 'hang' in scripted) {
      seen.status = 'hung';
      req.socket.once('close', () => events.emit('abandoned'));
      return;
    }
    if (scripted) {
      seen.status = scripted.status;
      json(res, scripted.status, scripted.body ?? {}, scripted.headers);
      return;
    }

    switch (seen.route) {
      case 'authenticate':
        seen.status = authenticate(req, res);
        return;
      case 'agents': {
        const problem = authorization.startsWith('Bearer ')
          ? tokenProblem(authorization.slice(7))
          : 'No token';
        if (problem !== undefined) {
          seen.status = 401;
          unauthorized(res, problem);
          return;
        }
        seen.status = listAgents(url.searchParams, res);
        return;
      }
      case 'other':
        json(res, 404, {
          title: 'Not Found',
          detail: 'The requested URL was not found on the server.',
        });
        return;
      default: {
        const unreachable: never = seen.route;
        throw new Error(`unknown route ${String(unreachable)}`);
      }
    }
  }

  const server = options.tls ? createHttpsServer(options.tls, handle) : createHttpServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    interceptNext: (route, reply) => {
      scripts[route].push(reply);
    },
    revokeTokens: () => {
      for (const token of issued) revoked.add(token);
    },
    nextAbandonedConnection: async () => {
      await once(events, 'abandoned');
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
