import { describe, expect } from 'vitest';
import { test } from '@herald/db/testing';
import { createMetricsRegistry, createSilentLogger } from '@herald/runtime';
import { BreakerSync, createBreakerRegistry } from '@herald/stage';
import { waitFor } from '@herald/testkit';
import { dispatch } from '../dispatch.ts';
import { captureIo, startHerald } from '../http-client.testing.ts';
import { breakersCommand } from './breakers.ts';
import { pauseCommand, resumeCommand } from './pause.ts';

const commands = [breakersCommand, pauseCommand, resumeCommand];

describe('herald pause / resume / breakers', () => {
  test('a pause reaches a running replica, shows in herald breakers, and a resume ends it', async ({
    databaseUrl,
    redis: { redis, namespace, url },
  }) => {
    const logger = createSilentLogger();
    // A sender replica with its breaker, as runStageService builds it (heartbeat a minute
    // away: the pause must arrive by its announcement).
    const sync = new BreakerSync({
      redis,
      namespace,
      replica: 'sender-1',
      service: 'sender',
      heartbeatMs: 60_000,
      logger,
    });
    const breakers = createBreakerRegistry(logger, createMetricsRegistry('sender'), {}, sync);
    breakers.get('smtp:relay');
    await sync.start();
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const pause = captureIo(env);
      expect(await dispatch(commands, ['pause', 'smtp:relay'], pause.io)).toBe(0);
      expect(pause.out()).toMatch(/^paused smtp:relay \(since .+, by ingest-api:cli-test\)\n$/);
      await waitFor('the replica paused', () => breakers.get('smtp:relay').snapshot().isolated);

      const listed = await waitFor('the paused state published', async () => {
        const run = captureIo(env);
        await dispatch(commands, ['breakers'], run.io);
        return run.out().includes('open (paused)') ? run.out() : undefined;
      });
      expect(listed).toMatch(/^DESTINATION\s+REPLICA\s+STATE\s+SINCE\s+FAILURES\n/);
      expect(listed).toMatch(/smtp:relay\s+sender\/sender-1\s+open \(paused\)\s+\S+Z\s+0% of 0\n/);
      expect(listed).toContain('paused: smtp:relay since ');

      const resume = captureIo(env);
      expect(await dispatch(commands, ['resume', 'smtp:relay'], resume.io)).toBe(0);
      expect(resume.out()).toBe('resumed smtp:relay\n');
      await waitFor('the replica resumed', () => breakers.get('smtp:relay').state === 'closed');
      const again = captureIo(env);
      expect(await dispatch(commands, ['resume', 'smtp:relay'], again.io)).toBe(0);
      expect(again.out()).toBe('smtp:relay was not paused; nothing to do\n');
    } finally {
      await sync.stop();
      await service.stop();
    }
  });

  test('bad usage exits 2; a refused key is named', async ({
    databaseUrl,
    redis: { namespace, url },
  }) => {
    for (const args of [['pause'], ['pause', 'a', 'b'], ['resume'], ['breakers', 'x']]) {
      const bad = captureIo({ HERALD_URL: 'http://127.0.0.1:9' });
      expect(await dispatch(commands, args, bad.io), args.join(' ')).toBe(2);
    }
    const { service, env } = await startHerald({ databaseUrl, redisUrl: url, namespace });
    try {
      const refused = captureIo({ ...env, HERALD_API_KEY: 'not-the-key-0123456789' });
      expect(await dispatch(commands, ['pause', 'smtp:relay'], refused.io)).toBe(1);
      expect(refused.err()).toMatch(/^herald pause: 401: the API key was refused/);
    } finally {
      await service.stop();
    }
  });
});
