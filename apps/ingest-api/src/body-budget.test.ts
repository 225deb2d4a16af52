import { request as httpRequest, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { loadCorpus, waitFor } from '@herald/testkit';
import { BodyBudget, expectedBodyBytes } from './body-budget.ts';
import { startShippedIngest } from './shipped-process.ts';
import { authed, countAlerts, TEST_KEYS, testApp } from './testing.ts';

const alert = {
  timestamp: '2026-12-04T10:00:00.000+0000',
  rule: { level: 7, id: '5716', description: 'sshd: authentication failed.' },
  agent: { id: '002', name: 'db-01' },
  manager: { name: 'wazuh-test' },
  id: '1765000000.42',
};

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

/** Starts a POST of `length` declared bytes and sends `first` of them; the rest is up to the test. */
function startPost(port: number, length: number, first: string) {
  let req!: ClientRequest;
  const answer = new Promise<Answer>((resolve, reject) => {
    req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/alerts',
        headers: { ...authed('application/x-ndjson'), 'content-length': String(length) },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += String(chunk)));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }),
        );
      },
    );
    req.on('error', reject);
  });
  req.write(first);
  return { req, answer };
}

/** POSTs `body` whole, over a socket. */
function post(port: number, body: string): Promise<Answer> {
  const { req, answer } = startPost(port, Buffer.byteLength(body), body);
  req.end();
  return answer;
}

describe('BodyBudget', () => {
  test('admits within the budget, always one post on its own, and releases once', () => {
    const budget = new BodyBudget(100);
    const big = budget.tryReserve(500);
    expect(big).toBeDefined();
    expect(budget.tryReserve(1)).toBeUndefined();
    big?.();
    big?.();
    expect(budget.inFlight).toBe(0);
    const a = budget.tryReserve(60);
    expect(budget.tryReserve(40)).toBeDefined();
    expect(budget.tryReserve(1)).toBeUndefined();
    a?.();
    expect(budget.tryReserve(60)).toBeDefined();
    expect(new BodyBudget(0).tryReserve(1e12)).toBeDefined();
  });

  test('counts a post by its Content-Length, capped at the body limit', () => {
    expect(expectedBodyBytes('1234', 10_000)).toBe(1234);
    expect(expectedBodyBytes('99999', 10_000)).toBe(10_000);
    expect(expectedBodyBytes(undefined, 10_000)).toBe(10_000);
    expect(expectedBodyBytes('garbage', 10_000)).toBe(10_000);
  });
});

describe('POST /v1/alerts under the body budget', () => {
  test(
    'refuses a post that would pass the bytes in flight, before reading it, until the first is answered',
    { timeout: 30_000 },
    async ({ db, redis: { redis, namespace } }) => {
      const { app } = testApp(
        { db, redis, namespace },
        {},
        { backpressure: { maxBodyBytesInFlight: 4_000, retryAfterSeconds: 7 } },
      );
      await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const { port } = app.server.address() as AddressInfo;
        const line = `${JSON.stringify(alert)}\n`;
        // 3,000 bytes declared, half sent: the post holds its reservation while it arrives.
        const body = line.repeat(Math.ceil(3_000 / line.length)).slice(0, 3_000);
        const slow = startPost(port, 3_000, body.slice(0, 1_500));
        await waitFor('the slow post to be in flight', () => slow.req.socket !== null, {
          timeoutMs: 10_000,
        });

        const second = `${JSON.stringify({ ...alert, id: '1765000000.43' })}\n`;
        await waitFor(
          'a post past the budget to be refused',
          async () => {
            const refused = await post(port, second + ' '.repeat(1_200));
            return refused.status === 503 ? refused : undefined;
          },
          { timeoutMs: 10_000 },
        ).then((refused) => {
          expect(refused.retryAfter).toBe('7');
          expect(JSON.parse(refused.body).error).toContain('limit 4000');
        });
        // A small post still fits beside it.
        expect((await post(port, second)).status).toBe(202);

        slow.req.destroy();
        await slow.answer.catch(() => undefined);
        // The aborted post gave its bytes back: a post of the whole budget is taken again.
        const third = `${JSON.stringify({ ...alert, id: '1765000000.44' })}\n`;
        const answer = await waitFor(
          'the budget to be free again',
          async () => {
            const result = await post(port, third + ' '.repeat(3_900 - third.length));
            return result.status === 202 ? result : undefined;
          },
          { timeoutMs: 10_000 },
        );
        expect(answer.status).toBe(202);
        expect(await countAlerts(db)).toBe(2);
      } finally {
        await app.close();
      }
    },
  );

  test(
    'two posts at the body limit at once: the service under its shipped heap stays up and takes both',
    { timeout: 120_000 },
    async ({ db, databaseUrl, redis: { url, namespace } }) => {
      const corpus = loadCorpus().map(({ alert: parsed }) => parsed);
      const ingest = await startShippedIngest({ databaseUrl, redisUrl: url, namespace });
      const { port } = ingest;
      try {
        // Corpus alerts with padded logs, just under the 10 MiB body limit: a Wazuh manager
        // forwarding a burst.
        let n = 0;
        const fullBody = () => {
          const lines: string[] = [];
          let size = 0;
          for (;;) {
            const original = corpus[n % corpus.length] as { full_log?: string };
            const line = JSON.stringify({
              ...original,
              id: `budget-${n}`,
              full_log: `${original.full_log ?? ''}${' pad'.repeat(250)}`,
            });
            if (size + line.length + 1 > 10 * 1024 * 1024 || lines.length === 5_000) break;
            n += 1;
            size += line.length + 1;
            lines.push(line);
          }
          return lines.join('\n');
        };
        const bodies = [fullBody(), fullBody()];
        const answers = await Promise.all(bodies.map((body) => post(port, body)));
        expect(ingest.stderr()).not.toContain('heap out of memory');
        expect(ingest.exitCode()).toBeNull();
        for (const [i, answer] of answers.entries()) {
          if (answer.status === 503) answers[i] = await post(port, bodies[i] as string);
        }
        expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
        expect(await countAlerts(db)).toBe(n);
      } finally {
        ingest.kill();
      }
    },
  );
});
