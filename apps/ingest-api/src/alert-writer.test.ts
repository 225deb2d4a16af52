import { describe, expect } from 'vitest';
import type { NewAlert } from '@herald/db';
import { test } from '@herald/db/testing';
import { streamKey } from '@herald/streams';
import { AlertWriter } from './alert-writer.ts';
import { isStoreUnavailableError } from './errors.ts';

const actor = { service: 'ingest-api', replica: 'writer-test' };

function alert(key: string, body: unknown = { key }): NewAlert {
  return { identityKey: key, body };
}

describe('AlertWriter', () => {
  test('requests that queue behind a write share the next one, each answered with its own refs', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const writes: { alerts: number; requests: number }[] = [];
    const stream = streamKey(namespace, 'enrich');
    const writer = new AlertWriter({
      db,
      redis,
      stream,
      actor,
      maxConcurrentWrites: 1,
      onWrite: (alerts, requests) => writes.push({ alerts, requests }),
    });

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => writer.write([alert(`a${i}`), alert(`b${i}`)])),
    );

    // The first request is written at once; the nine that arrived meanwhile share one write.
    expect(writes).toEqual([
      { alerts: 2, requests: 1 },
      { alerts: 18, requests: 9 },
    ]);
    const { rows } = await db.pool.query<{ id: string; identity_key: string }>(
      'SELECT id, identity_key FROM alerts',
    );
    const idByKey = new Map(rows.map((row) => [row.identity_key, row.id]));
    results.forEach((result, i) => {
      expect(result.unpublished).toBeUndefined();
      expect(result.refs.map((ref) => [ref.identityKey, ref.id, ref.created])).toEqual([
        [`a${i}`, idByKey.get(`a${i}`), true],
        [`b${i}`, idByKey.get(`b${i}`), true],
      ]);
    });
    expect(await redis.xlen(stream)).toBe(20);
  });

  test('the same alert in two requests of one write is created once and a repeat for the other', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const stream = streamKey(namespace, 'enrich');
    const writer = new AlertWriter({ db, redis, stream, actor, maxConcurrentWrites: 1 });
    const [, first, second] = await Promise.all([
      writer.write([alert('opener')]),
      writer.write([alert('same')]),
      writer.write([alert('same')]),
    ]);
    expect(first!.refs[0]!.created).toBe(true);
    expect(second!.refs[0]).toMatchObject({ id: first!.refs[0]!.id, created: false });
    expect(await redis.xlen(stream)).toBe(2);
  });

  test('a write never gathers more than its bound; a larger request goes alone', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const writes: number[] = [];
    const writer = new AlertWriter({
      db,
      redis,
      stream: streamKey(namespace, 'enrich'),
      actor,
      maxConcurrentWrites: 1,
      maxGroupAlerts: 3,
      onWrite: (alerts) => writes.push(alerts),
    });
    await Promise.all([
      writer.write([alert('x0')]),
      writer.write([alert('x1'), alert('x2')]),
      writer.write([alert('x3')]),
      writer.write([alert('x4'), alert('x5'), alert('x6'), alert('x7')]),
      writer.write([alert('x8')]),
    ]);
    expect(writes).toEqual([1, 3, 4, 1]);
  });

  test('a request the database refuses fails alone; the requests written with it are stored', async ({
    db,
    redis: { redis, namespace },
  }) => {
    const writer = new AlertWriter({
      db,
      redis,
      stream: streamKey(namespace, 'enrich'),
      actor,
      maxConcurrentWrites: 1,
    });
    // jsonb refuses \u0000: ingest's checks keep it out, this stands for any refusal.
    const [opener, before, refused, after] = await Promise.allSettled([
      writer.write([alert('opener')]),
      writer.write([alert('before')]),
      writer.write([alert('refused', { text: 'nul\u0000' })]),
      writer.write([alert('after')]),
    ]);
    expect([opener.status, before.status, after.status]).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(refused.status).toBe('rejected');
    expect(isStoreUnavailableError((refused as PromiseRejectedResult).reason)).toBe(true);
    const { rows } = await db.pool.query<{ identity_key: string }>(
      'SELECT identity_key FROM alerts ORDER BY identity_key',
    );
    expect(rows.map((row) => row.identity_key)).toEqual(['after', 'before', 'opener']);
  });
});
