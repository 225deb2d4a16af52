import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { loadCorpus } from '@herald/testkit';
import { startShippedIngest } from './shipped-process.ts';
import { authed, countAlerts } from './testing.ts';

// main.ts under the heap the services ship with (scripts/service-node-options.mjs): one
// alert of many small values must not cost ingest its process.

/** One corpus alert whose `data` is `data`, and its JSON text. */
function alertWith(data: unknown, id: string): string {
  const [first] = loadCorpus();
  return JSON.stringify({ ...first!.alert, id, data });
}

describe('ingest under the shipped heap', () => {
  test(
    'alerts of millions of small values are refused by count, and the service stays up',
    { timeout: 120_000 },
    async ({ db, databaseUrl, redis: { url, namespace } }) => {
      const ingest = await startShippedIngest({ databaseUrl, redisUrl: url, namespace });
      try {
        const post = (body: string) =>
          fetch(`http://127.0.0.1:${ingest.port}/v1/alerts`, {
            method: 'POST',
            headers: authed('application/json'),
            body,
          });
        // About 9 to 10 MB each, within the body limit: an array of 4.5 million numbers,
        // and an object of 850,000 keys (which validation would copy key by key).
        const hostile = [
          alertWith({ list: new Array<number>(4_500_000).fill(1) }, 'many-values'),
          alertWith(
            Object.fromEntries(Array.from({ length: 850_000 }, (_, i) => [`k${i}`, 1])),
            'many-keys',
          ),
        ];
        for (const body of hostile) {
          expect(body.length).toBeGreaterThan(9_000_000);
          const response = await post(body);
          expect(response.status).toBe(400);
          expect(JSON.stringify(await response.json())).toContain('holds more than');
        }
        // A large alert within the bound is stored.
        expect(
          (await post(alertWith({ list: new Array<number>(90_000).fill(1) }, 'large'))).status,
        ).toBe(202);
        expect(ingest.stderr()).not.toContain('heap out of memory');
        expect(ingest.exitCode()).toBeNull();
        expect(await countAlerts(db)).toBe(1);
      } finally {
        ingest.kill();
      }
    },
  );
});
