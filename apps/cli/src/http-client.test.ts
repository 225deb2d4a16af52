import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { closedPort } from '@herald/ingest-api/src/testing.ts';
import { createHeraldClient, isHeraldRequestError, reportingRequestErrors } from './http-client.ts';
import { captureIo } from './http-client.testing.ts';

/** A loopback server answering every request with `status`, `body` and `headers`. */
async function answering(status: number, body: string, headers: Record<string, string> = {}) {
  const seen: { auth?: string | undefined; path?: string | undefined }[] = [];
  const server = createServer((req, res) => {
    seen.push({ auth: req.headers.authorization, path: req.url });
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function failureOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    if (isHeraldRequestError(err)) return err;
    throw err;
  }
  throw new Error('expected a HeraldRequestError');
}

describe('createHeraldClient', () => {
  it('sends the key as a bearer token and returns the JSON body', async () => {
    const server = await answering(200, '{"ok":true}');
    try {
      const client = createHeraldClient({ HERALD_URL: `${server.url}/`, HERALD_API_KEY: 'k-123' });
      expect(await client.request('GET', '/v1/x')).toEqual({ status: 200, body: { ok: true } });
      expect(server.seen).toEqual([{ auth: 'Bearer k-123', path: '/v1/x' }]);
    } finally {
      await server.close();
    }
  });

  it('names a refused key, and passes the server error on', async () => {
    const server = await answering(401, '{"error":"the API key is not valid"}');
    try {
      const err = await failureOf(
        createHeraldClient({ HERALD_URL: server.url }).request('GET', '/'),
      );
      expect(err.status).toBe(401);
      expect(err.message).toBe(
        `401: the API key was refused by ${server.url} (set HERALD_API_KEY): the API key is not valid`,
      );
    } finally {
      await server.close();
    }
  });

  it('reads Retry-After of a 503 and says the server words', async () => {
    const server = await answering(503, '{"error":"the pipeline is behind"}', {
      'retry-after': '7',
    });
    try {
      const err = await failureOf(
        createHeraldClient({ HERALD_URL: server.url }).request('GET', '/'),
      );
      expect([err.status, err.retryAfterSeconds]).toEqual([503, 7]);
      expect(err.message).toBe(
        '503: Herald is busy or a store is unavailable: the pipeline is behind',
      );
    } finally {
      await server.close();
    }
  });

  it('asks whether Herald runs at the URL when the connection is refused', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const err = await failureOf(createHeraldClient({ HERALD_URL: url }).request('GET', '/'));
    expect(err.status).toBeUndefined();
    expect(err.message).toBe(`connection refused: is Herald running at ${url}?`);
  });

  it('refuses an answer that is not JSON, and a HERALD_URL that is not a URL', async () => {
    const server = await answering(200, '<html>');
    try {
      const err = await failureOf(
        createHeraldClient({ HERALD_URL: server.url }).request('GET', '/a'),
      );
      expect(err.message).toContain('is not JSON; is HERALD_URL a Herald ingest API?');
    } finally {
      await server.close();
    }
    expect(() => createHeraldClient({ HERALD_URL: 'not a url' })).toThrow(
      'HERALD_URL is not a URL',
    );
  });

  it('reportingRequestErrors prints the message and exits 1', async () => {
    const { io, err } = captureIo();
    const url = `http://127.0.0.1:${await closedPort()}`;
    const code = await reportingRequestErrors('x', io, async () => {
      await createHeraldClient({ HERALD_URL: url }).request('GET', '/');
      return 0;
    });
    expect(code).toBe(1);
    expect(err()).toBe(`herald x: connection refused: is Herald running at ${url}?\n`);
  });
});
