import { afterEach, describe, expect, test } from 'vitest';
import { HttpClient, replyError } from './http-client.ts';
import { startHttpTestServer, text, type HttpTestServer } from './http-test-server.ts';
import { httpFailure } from './test-failure.ts';
import { closedPort } from './smtp-test-server.ts';

const signal = new AbortController().signal;
let server: HttpTestServer | undefined;
let client: HttpClient | undefined;

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

describe('HttpClient', () => {
  test('posts JSON and reads the reply', async () => {
    server = await startHttpTestServer(() => text(200, 'ok'));
    client = new HttpClient();
    const reply = await client.postJson(`${server.url}/x`, '{"a":1}', { 'x-extra': 'y' }, signal);
    expect(reply).toMatchObject({ status: 200, text: 'ok' });
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/x', body: '{"a":1}' });
    expect(server.requests[0]!.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-extra': 'y',
    });
  });

  test('a server that never answers is a timeout, counted by the breaker', async () => {
    server = await startHttpTestServer(() => text(200, 'ok'));
    server.fail('hang');
    client = new HttpClient({ responseTimeoutMs: 200 });
    const err = await httpFailure(client.postJson(server.url, '{}', {}, signal));
    expect(err).toMatchObject({ code: 'HTTP_TIMEOUT', retryable: true, breakerOutcome: 'failure' });
  });

  test('a refused or dropped connection is a connection failure', async () => {
    client = new HttpClient();
    const refused = await httpFailure(
      client.postJson(`http://127.0.0.1:${await closedPort()}`, '{}', {}, signal),
    );
    expect(refused).toMatchObject({ code: 'HTTP_CONNECTION_FAILED', retryable: true });
    server = await startHttpTestServer(() => text(200, 'ok'));
    server.fail('reset');
    const reset = await httpFailure(client.postJson(server.url, '{}', {}, signal));
    expect(reset).toMatchObject({ code: 'HTTP_CONNECTION_FAILED', breakerOutcome: 'failure' });
  });

  test('our own abort is HTTP_ABORTED, ignored by the breaker', async () => {
    server = await startHttpTestServer(() => text(200, 'ok'));
    server.fail('hang');
    client = new HttpClient();
    const controller = new AbortController();
    const call = client.postJson(server.url, '{}', {}, controller.signal);
    setImmediate(() => controller.abort());
    expect(await httpFailure(call)).toMatchObject({
      code: 'HTTP_ABORTED',
      breakerOutcome: 'ignore',
    });
  });

  test('keeps at most maxReplyBytes of a reply', async () => {
    server = await startHttpTestServer(() => text(200, 'x'.repeat(100_000)));
    client = new HttpClient({ maxReplyBytes: 1_000 });
    const reply = await client.postJson(server.url, '{}', {}, signal);
    expect(reply.text).toHaveLength(1_000);
  });

  test('refuses a timeout that is not a positive whole number', () => {
    expect(() => new HttpClient({ responseTimeoutMs: 0 })).toThrow(RangeError);
  });
});

describe('replyError', () => {
  const client = new HttpClient({ now: () => Date.parse('2026-12-04T12:00:00Z') });
  const reply = (status: number, headers: Record<string, string> = {}) => ({
    status,
    headers,
    text: '',
  });

  test.each([
    [
      429,
      { 'retry-after': '7' },
      { code: 'HTTP_RATE_LIMITED', retryAfterMs: 7_000, breakerOutcome: 'ignore' },
    ],
    [
      429,
      { 'retry-after': 'Fri, 04 Dec 2026 12:00:03 GMT' },
      { code: 'HTTP_RATE_LIMITED', retryAfterMs: 3_000 },
    ],
    [408, {}, { code: 'HTTP_TIMEOUT', retryable: true, breakerOutcome: 'failure' }],
    [503, {}, { code: 'HTTP_SERVER_ERROR', retryable: true, breakerOutcome: 'failure' }],
    [404, {}, { code: 'HTTP_REJECTED', retryable: false, breakerOutcome: 'ignore', reason: 'why' }],
    [302, {}, { code: 'HTTP_BAD_REPLY', retryable: true }],
  ] as const)('%i %j', (status, headers, expected) => {
    expect(replyError(client, 'endpoint', reply(status, headers), 'why')).toMatchObject({
      status,
      ...expected,
    });
  });

  test('429 without Retry-After says no wait of its own', () => {
    expect(replyError(client, 'endpoint', reply(429), 'why').retryAfterMs).toBeUndefined();
  });
});
