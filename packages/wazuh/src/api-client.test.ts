import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WazuhApiClient, type WazuhApiClientOptions } from './api-client.ts';
import { isWazuhApiError, type WazuhApiError } from './api-error.ts';
import type { WazuhApiGuard } from './api-transport.ts';
import { startFakeWazuhApi, type FakeWazuhApi, type FakeWazuhApiOptions } from './testing/index.ts';
import { MANAGER, NEVER_CONNECTED, WEB01 } from './agent-fixtures.ts';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((item) => item.close()));
});

async function setup(
  fakeOptions: FakeWazuhApiOptions = {},
  clientOptions: Partial<WazuhApiClientOptions> = {},
): Promise<{ fake: FakeWazuhApi; client: WazuhApiClient }> {
  const fake = await startFakeWazuhApi({
    agents: [MANAGER, WEB01, NEVER_CONNECTED],
    ...fakeOptions,
  });
  const client = new WazuhApiClient({
    baseUrl: fake.url,
    username: 'wazuh',
    password: 'wazuh',
    timeoutMs: 2_000,
    now: fakeOptions.now,
    ...clientOptions,
  });
  opened.push(client, fake);
  return { fake, client };
}

async function failure(promise: Promise<unknown>): Promise<WazuhApiError> {
  const err = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isWazuhApiError(err)) throw new Error(`expected a WazuhApiError, got ${String(err)}`);
  return err;
}

const routes = (fake: FakeWazuhApi) => fake.requests.map((r) => `${r.route}:${r.status}`);

describe('WazuhApiClient.getAgents', () => {
  it('returns known agents typed and reports unknown ones from failed_items', async () => {
    const { fake, client } = await setup();

    const { agents, failed } = await client.getAgents(['001', '999', '002', '000', 'web-01']);

    expect([...agents.keys()].sort()).toEqual(['000', '001', '002']);
    const web = agents.get('001')!;
    expect(web).toMatchObject({ name: 'web-01', status: 'active', group: ['default', 'web'] });
    expect(web.os).toEqual(WEB01.os);
    expect(agents.get('002')?.os).toBeUndefined();
    expect(agents.get('000')?.os?.major).toBe('12');
    expect(failed).toEqual([
      { id: 'web-01', reason: 'not a Wazuh agent id (three or more digits)' },
      { id: '999', reason: 'Agent does not exist', code: 1701 },
    ]);
    const [, lookup] = fake.requests;
    expect(lookup?.query.get('agents_list')).toBe('001,999,002,000');
    expect(lookup?.query.get('select')).toContain('os.uname');
  });

  it('asks in chunks of agentsPerRequest ids', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({
      ...WEB01,
      id: `10${i}`,
      name: `host-${i}`,
    }));
    const { fake, client } = await setup({ agents: many }, { agentsPerRequest: 2 });

    const { agents, failed } = await client.getAgents([...many.map((a) => a.id), '100', '404']);

    expect(agents.size).toBe(5);
    expect(failed).toEqual([{ id: '404', reason: 'Agent does not exist', code: 1701 }]);
    const lists = fake.requests
      .filter((r) => r.route === 'agents')
      .map((r) => r.query.get('agents_list'));
    expect(lists).toEqual(['100,101', '102,103', '104,404']);
  });

  it('makes no request for an empty list', async () => {
    const { fake, client } = await setup();
    expect(await client.getAgents([])).toEqual({ agents: new Map(), failed: [] });
    expect(fake.requests).toEqual([]);
  });
});

describe('WazuhApiClient tokens', () => {
  it('authenticates once and reuses the token, also for concurrent calls', async () => {
    const { fake, client } = await setup();

    await Promise.all([client.getAgents(['001']), client.getAgents(['002'])]);
    await client.getAgents(['000']);

    expect(fake.requests.filter((r) => r.route === 'authenticate')).toHaveLength(1);
    expect(fake.requests.filter((r) => r.route === 'agents').map((r) => r.auth)).toEqual([
      'bearer',
      'bearer',
      'bearer',
    ]);
  });

  it('renews the token before it expires, by the injected clock', async () => {
    let nowMs = Date.parse('2026-12-01T10:00:00Z');
    const now = () => nowMs;
    const { fake, client } = await setup({ now }, { tokenRefreshMarginMs: 60_000 });

    await client.getAgents(['001']);
    nowMs += 839_000; // 900 s token, renewed 60 s early: still fresh
    await client.getAgents(['001']);
    expect(fake.requests.filter((r) => r.route === 'authenticate')).toHaveLength(1);

    nowMs += 2_000; // inside the margin: renew before asking
    await client.getAgents(['001']);
    expect(routes(fake)).toEqual([
      'authenticate:200',
      'agents:200',
      'agents:200',
      'authenticate:200',
      'agents:200',
    ]);
  });

  it('renews the token on a 401 and sends the request once more', async () => {
    const { fake, client } = await setup();
    await client.getAgents(['001']);
    fake.revokeTokens();

    const { agents } = await client.getAgents(['002']);

    expect(agents.get('002')?.name).toBe('db-01');
    expect(routes(fake)).toEqual([
      'authenticate:200',
      'agents:200',
      'agents:401',
      'authenticate:200',
      'agents:200',
    ]);
  });

  it('renews a token the API says has expired while our clock says it has not', async () => {
    // The manager's clock runs ahead of ours: its token expires early by our reckoning.
    let apiMs = Date.parse('2026-12-01T10:00:00Z');
    let clientMs = apiMs;
    const { fake, client } = await setup({ now: () => apiMs }, { now: () => clientMs });
    await client.getAgents(['001']);

    apiMs += 901_000; // past the 900 s token's exp on the manager
    clientMs += 100_000; // but fresh for us
    const { agents } = await client.getAgents(['002']);

    expect(agents.get('002')?.name).toBe('db-01');
    expect(routes(fake)).toEqual([
      'authenticate:200',
      'agents:200',
      'agents:401',
      'authenticate:200',
      'agents:200',
    ]);
  });

  it('gives up after one renewal when the API keeps answering 401', async () => {
    const { fake, client } = await setup();
    fake.interceptNext('agents', {
      status: 401,
      body: { title: 'Unauthorized', detail: 'Invalid token' },
    });
    fake.interceptNext('agents', {
      status: 401,
      body: { title: 'Unauthorized', detail: 'Invalid token' },
    });

    const err = await failure(client.getAgents(['001']));

    expect(err).toMatchObject({ code: 'WAZUH_API_UNAUTHORIZED', status: 401, retryable: false });
    expect(err.message).toContain('Invalid token');
    expect(routes(fake)).toEqual([
      'authenticate:200',
      'agents:401',
      'authenticate:200',
      'agents:401',
    ]);
  });

  it('says clearly when the credentials are wrong', async () => {
    const { fake, client } = await setup({}, { password: 'not-the-password' });

    const err = await failure(client.getAgents(['001']));

    expect(err).toMatchObject({ code: 'WAZUH_API_UNAUTHORIZED', status: 401, retryable: false });
    expect(err.message).toBe(
      `the Wazuh API at ${fake.url} refused the credentials of user "wazuh"`,
    );
    expect(err.message).not.toContain('not-the-password');
    expect(isWazuhApiError(err.cause) && err.cause.message).toContain('Invalid credentials');
    expect(routes(fake)).toEqual(['authenticate:401']);
  });

  it('reports a login reply without a token as a bad reply', async () => {
    const { fake, client } = await setup();
    fake.interceptNext('authenticate', { status: 200, body: { data: {}, error: 0 } });

    const err = await failure(client.getAgents(['001']));

    expect(err).toMatchObject({ code: 'WAZUH_API_BAD_REPLY', retryable: false });
    expect(err.message).toContain('no data.token');
  });
});

describe('WazuhApiClient failures', () => {
  it.each([
    [503, 'WAZUH_API_UNAVAILABLE', true],
    [500, 'WAZUH_API_UNAVAILABLE', true],
    [408, 'WAZUH_API_UNAVAILABLE', true],
    [429, 'WAZUH_API_RATE_LIMITED', true],
    [403, 'WAZUH_API_FORBIDDEN', false],
    [400, 'WAZUH_API_REJECTED', false],
  ] as const)('maps HTTP %i to %s (retryable: %s)', async (status, code, retryable) => {
    const { fake, client } = await setup();
    fake.interceptNext('agents', {
      status,
      body: { title: 'Oops', detail: `answer ${status}`, error: 1 },
    });

    const err = await failure(client.getAgents(['001']));

    expect(err).toMatchObject({ code, status, retryable });
    expect(err.message).toContain(`HTTP ${status}: answer ${status}`);
  });

  it("keeps a 503's Retry-After", async () => {
    const { fake, client } = await setup();
    fake.interceptNext('agents', { status: 503, headers: { 'retry-after': '7' } });

    const err = await failure(client.getAgents(['001']));

    expect(err).toMatchObject({ code: 'WAZUH_API_UNAVAILABLE', retryAfterMs: 7_000 });
  });

  it('times out a slow answer and closes the connection', async () => {
    const { fake, client } = await setup({}, { timeoutMs: 150 });
    await client.getAgents(['001']);
    fake.interceptNext('agents', { hang: true });
    const abandoned = fake.nextAbandonedConnection();

    const err = await failure(client.getAgents(['001']));

    expect(err).toMatchObject({ code: 'WAZUH_API_TIMEOUT', retryable: true, status: undefined });
    expect(err.message).toContain('no answer within 150 ms');
    await abandoned;
    // The client is still usable afterwards, on a new connection.
    expect((await client.getAgents(['002'])).agents.has('002')).toBe(true);
  });

  it('reports a reply that is not JSON as a bad reply', async () => {
    const { fake, client } = await setup();
    fake.interceptNext('agents', { status: 200, body: '{"data": {"affected_items": [' });

    const err = await failure(client.getAgents(['001']));

    expect(err).toMatchObject({ code: 'WAZUH_API_BAD_REPLY', status: 200, retryable: false });
    expect(err.message).toContain('not JSON');
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it('names the field when the reply has the wrong shape', async () => {
    const { fake, client } = await setup();
    fake.interceptNext('agents', {
      status: 200,
      body: { data: { affected_items: [{ name: 'no-id' }], failed_items: [] }, error: 0 },
    });

    const err = await failure(client.getAgents(['001']));

    expect(err.code).toBe('WAZUH_API_BAD_REPLY');
    expect(err.message).toContain('data.affected_items.0.id');
  });

  it('reports an API nobody listens on as unavailable', async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    probe.close();
    await once(probe, 'close');
    const client = new WazuhApiClient({
      baseUrl: `http://127.0.0.1:${port}`,
      username: 'u',
      password: 'p',
    });
    opened.push(client);

    const err = await failure(client.getAgents(['001']));

    expect(err).toMatchObject({
      code: 'WAZUH_API_UNAVAILABLE',
      retryable: true,
      status: undefined,
    });
    expect(err.message).toContain('ECONNREFUSED');
  });
});

describe('WazuhApiClient guard', () => {
  it('runs every request through the guard', async () => {
    const calls: number[] = [];
    const guard: WazuhApiGuard = {
      execute: (fn) => {
        calls.push(calls.length);
        return fn(new AbortController().signal);
      },
    };
    const { fake, client } = await setup({}, { guard });

    await client.getAgents(['001']);

    expect(calls).toHaveLength(2);
    expect(fake.requests).toHaveLength(2);
  });

  it("turns the guard's abort into an aborted error the caller can retry", async () => {
    const guard: WazuhApiGuard = {
      execute: (fn) => {
        const controller = new AbortController();
        const running = fn(controller.signal);
        controller.abort(new Error('breaker gave up'));
        return running;
      },
    };
    const { client } = await setup({}, { guard });

    const err = await failure(client.getAgents(['001']));

    expect(err).toMatchObject({ code: 'WAZUH_API_ABORTED', retryable: true });
    expect(err.cause).toEqual(new Error('breaker gave up'));
  });

  it("reports the guard's own timeout as a timeout", async () => {
    const guard: WazuhApiGuard = { execute: (fn) => fn(AbortSignal.timeout(100)) };
    const { fake, client } = await setup({}, { guard, timeoutMs: 5_000 });
    fake.interceptNext('authenticate', { hang: true });
    const abandoned = fake.nextAbandonedConnection();

    const err = await failure(client.getAgents(['001']));

    expect(err).toMatchObject({ code: 'WAZUH_API_TIMEOUT', retryable: true });
    expect(err.message).toContain("the caller's time ran out");
    await abandoned;
  });
});

describe('WazuhApiClient options', () => {
  it('keeps the default of an option passed as undefined', async () => {
    const { fake } = await setup();
    const client = new WazuhApiClient({
      baseUrl: fake.url,
      username: 'wazuh',
      password: 'wazuh',
      timeoutMs: undefined,
      agentsPerRequest: undefined,
    });
    opened.push(client);
    expect((await client.getAgents(['001'])).agents.has('001')).toBe(true);
  });

  it('refuses contradictory or out-of-range options', () => {
    const base = { baseUrl: 'https://wazuh:55000', username: 'u', password: 'p' };
    expect(
      () => new WazuhApiClient({ ...base, caFile: '/ca.pem', insecureSkipVerify: true }),
    ).toThrow(TypeError);
    expect(() => new WazuhApiClient({ ...base, timeoutMs: 0 })).toThrow(
      'timeoutMs must be a whole number from 1',
    );
    expect(() => new WazuhApiClient({ ...base, agentsPerRequest: 501 })).toThrow('got 501');
    expect(() => new WazuhApiClient({ ...base, baseUrl: 'ftp://wazuh' })).toThrow(
      'got ftp://wazuh',
    );
    expect(() => new WazuhApiClient({ ...base, baseUrl: 'not a url' })).toThrow('got not a url');
    expect(() => new WazuhApiClient({ ...base, caFile: '/nonexistent/ca.pem' })).toThrow(
      '/nonexistent/ca.pem could not be read',
    );
  });
});
