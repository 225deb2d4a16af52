import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import { z } from 'zod';
import { parseAgentsPage, type FailedAgent, type WazuhAgent } from './agent.ts';
import { WazuhApiError, isWazuhApiError } from './api-error.ts';
import { sendJson, type TransportContext, type WazuhApiGuard } from './api-transport.ts';
import { tokenLifetimeMs } from './token.ts';

export interface WazuhApiClientOptions {
  /** The API's base URL, e.g. `https://wazuh:55000`; a path prefix (behind a proxy) is kept. */
  baseUrl: string;
  username: string;
  password: string;
  /** A PEM file with the CA that signed the API's certificate (Wazuh's is self-signed). */
  caFile?: string;
  /** Skip certificate verification altogether. An explicit opt-out the app should log. */
  insecureSkipVerify?: boolean;
  /** Bound on one request, connection to last byte. Default 10 s. */
  timeoutMs?: number;
  /** Renew the token this long before it expires. Default 60 s (capped at half its life). */
  tokenRefreshMarginMs?: number;
  /** Agent ids per `GET /agents` request. Default 100; at most 500 (the API's page size). */
  agentsPerRequest?: number;
  /** Clock for token expiry, in epoch milliseconds. */
  now?: () => number;
  /** Runs each request, e.g. a circuit breaker. Default: runs it directly. */
  guard?: WazuhApiGuard;
}

/** What `getAgents` found: agents by id, and the ids it could not report on, with why. */
export interface AgentLookup {
  agents: Map<string, WazuhAgent>;
  failed: FailedAgent[];
}

const DEFAULTS = {
  timeoutMs: 10_000, // 10 s
  tokenRefreshMarginMs: 60_000, // 1 min
  agentsPerRequest: 100,
};

/** Wazuh agent ids are decimal, zero-padded to three digits (`000` is the manager). */
const AGENT_ID = /^\d{3,}$/;

/** The fields Herald reads; `id` comes with every item anyway. */
// prettier-ignore
const AGENT_FIELDS = [
  'name', 'ip', 'registerIP', 'status', 'version', 'manager', 'node_name', 'group',
  'dateAdd', 'lastKeepAlive', 'os.name', 'os.platform', 'os.version', 'os.major',
  'os.minor', 'os.codename', 'os.arch', 'os.uname',
].join(',');

const AuthenticateReply = z.object({ data: z.object({ token: z.string().min(1) }) });

const runDirectly: WazuhApiGuard = {
  execute: (fn) => fn(new AbortController().signal),
};

function positive(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new RangeError(`${name} must be a whole number from 1 to ${max}, got ${value}`);
  }
  return value;
}

function readCa(caFile: string): Buffer {
  try {
    return readFileSync(caFile);
  } catch (err) {
    throw new Error(`caFile ${caFile} could not be read`, { cause: err });
  }
}

/**
 * A client for the Wazuh server API (port 55000). Authenticates with the API user's
 * credentials, keeps the token and renews it before it expires (and once when the API
 * refuses it), and looks agents up in batches. Every request runs through `guard` and is
 * bounded by `timeoutMs`. Failures are WazuhApiErrors.
 */
export class WazuhApiClient {
  /** True when certificate verification is off: the app should warn about it. */
  readonly insecureSkipVerify: boolean;
  private readonly context: TransportContext;
  private readonly dispatcher: Agent;
  private readonly username: string;
  private readonly password: string;
  private readonly tokenRefreshMarginMs: number;
  private readonly agentsPerRequest: number;
  private token: { value: string; renewAtMs: number } | undefined;
  private tokenRequest: Promise<string> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: WazuhApiClientOptions) {
    // An option given as undefined (an unset env variable passed along) keeps its default.
    const given = Object.fromEntries(
      Object.entries(options).filter(([, value]) => value !== undefined),
    ) as WazuhApiClientOptions;
    const settings = { ...DEFAULTS, ...given };
    const baseUrl = URL.parse(settings.baseUrl);
    if (baseUrl === null || (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:')) {
      throw new TypeError(`baseUrl must be an http(s) URL, got ${settings.baseUrl}`);
    }
    if (settings.caFile !== undefined && settings.insecureSkipVerify) {
      throw new TypeError('caFile and insecureSkipVerify exclude each other: set one of them');
    }
    if (!Number.isInteger(settings.tokenRefreshMarginMs) || settings.tokenRefreshMarginMs < 0) {
      throw new RangeError(
        `tokenRefreshMarginMs must be a whole number >= 0, got ${settings.tokenRefreshMarginMs}`,
      );
    }

    this.insecureSkipVerify = settings.insecureSkipVerify === true;
    this.username = settings.username;
    this.password = settings.password;
    this.tokenRefreshMarginMs = settings.tokenRefreshMarginMs;
    this.agentsPerRequest = positive('agentsPerRequest', settings.agentsPerRequest, 500);
    this.dispatcher = new Agent({
      connect: {
        ca: settings.caFile === undefined ? undefined : readCa(settings.caFile),
        rejectUnauthorized: !this.insecureSkipVerify,
      },
    });
    this.context = {
      baseUrl,
      dispatcher: this.dispatcher,
      timeoutMs: positive('timeoutMs', settings.timeoutMs),
      guard: settings.guard ?? runDirectly,
      now: settings.now ?? Date.now,
    };
  }

  /**
   * Looks agents up by id. Unknown agents, ids that are not Wazuh agent ids and agents the
   * reply left out are in `failed` with the reason; the call itself fails only when the
   * API does (a WazuhApiError).
   */
  async getAgents(ids: readonly string[]): Promise<AgentLookup> {
    const agents = new Map<string, WazuhAgent>();
    const failed: FailedAgent[] = [];
    const wanted = [...new Set(ids)];
    for (const id of wanted.filter((candidate) => !AGENT_ID.test(candidate))) {
      failed.push({ id, reason: 'not a Wazuh agent id (three or more digits)' });
    }
    const valid = wanted.filter((candidate) => AGENT_ID.test(candidate));

    for (let start = 0; start < valid.length; start += this.agentsPerRequest) {
      const chunk = valid.slice(start, start + this.agentsPerRequest);
      const body = await this.authorizedGet(
        `/agents?agents_list=${chunk.join(',')}&select=${AGENT_FIELDS}`,
      );
      const parsed = parseAgentsPage(body);
      if (!parsed.ok) {
        throw new WazuhApiError(
          'WAZUH_API_BAD_REPLY',
          `GET ${this.context.baseUrl.origin}/agents: the reply is not the documented shape: ${parsed.problem}`,
          { status: 200 },
        );
      }

      for (const agent of parsed.page.agents) {
        agents.set(agent.id, agent);
      }
      failed.push(...parsed.page.failed);
      const reported = new Set([...agents.keys(), ...parsed.page.failed.map((item) => item.id)]);
      for (const id of chunk.filter((candidate) => !reported.has(candidate))) {
        failed.push({ id, reason: 'absent from the API reply' });
      }
    }
    return { agents, failed };
  }

  /** Closes the client's connections. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= this.dispatcher.close();
    return this.closing;
  }

  /** A GET with the current token; on a 401 the token is renewed and the GET sent once more. */
  private async authorizedGet(path: string): Promise<unknown> {
    const token = await this.currentToken();
    try {
      return await sendJson(this.context, {
        method: 'GET',
        path,
        authorization: `Bearer ${token}`,
      });
    } catch (err) {
      if (!isWazuhApiError(err) || err.code !== 'WAZUH_API_UNAUTHORIZED') {
        throw err;
      }
      this.forgetToken(token);
    }
    const renewed = await this.currentToken();
    return sendJson(this.context, { method: 'GET', path, authorization: `Bearer ${renewed}` });
  }

  /** The cached token while it is fresh; else one new token, shared by concurrent callers. */
  private currentToken(): Promise<string> {
    if (this.token !== undefined && this.context.now() < this.token.renewAtMs) {
      return Promise.resolve(this.token.value);
    }
    this.tokenRequest ??= this.authenticate().finally(() => {
      this.tokenRequest = undefined;
    });
    return this.tokenRequest;
  }

  /** Drops `token` unless a concurrent caller has already replaced it. */
  private forgetToken(token: string): void {
    if (this.token?.value === token) {
      this.token = undefined;
    }
  }

  private async authenticate(): Promise<string> {
    const credentials = Buffer.from(`${this.username}:${this.password}`).toString('base64');
    let body: unknown;
    try {
      body = await sendJson(this.context, {
        method: 'POST',
        path: '/security/user/authenticate',
        authorization: `Basic ${credentials}`,
      });
    } catch (err) {
      if (isWazuhApiError(err) && err.code === 'WAZUH_API_UNAUTHORIZED') {
        throw new WazuhApiError(
          'WAZUH_API_UNAUTHORIZED',
          `the Wazuh API at ${this.context.baseUrl.origin} refused the credentials of user "${this.username}"`,
          { status: err.status, cause: err },
        );
      }
      throw err;
    }

    const reply = AuthenticateReply.safeParse(body);
    if (!reply.success) {
      throw new WazuhApiError(
        'WAZUH_API_BAD_REPLY',
        `POST ${this.context.baseUrl.origin}/security/user/authenticate: no data.token in the reply`,
        { status: 200 },
      );
    }
    const token = reply.data.data.token;
    const issuedAtMs = this.context.now();
    const lifetimeMs = tokenLifetimeMs(token, issuedAtMs);
    const marginMs = Math.min(this.tokenRefreshMarginMs, lifetimeMs / 2);
    this.token = { value: token, renewAtMs: issuedAtMs + lifetimeMs - marginMs };
    return token;
  }
}
