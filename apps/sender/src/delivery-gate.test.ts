import { describe, expect } from 'vitest';
import { test } from '@herald/testkit';
import { RedisDeliveryGate } from './delivery-gate.ts';

describe('RedisDeliveryGate', () => {
  test('a rate limit is shared by every gate on the same Redis, per destination', async ({
    redis,
  }) => {
    const one = new RedisDeliveryGate(redis);
    const other = new RedisDeliveryGate(redis);
    const limit = { messages: 2, perMs: 60_000 };

    expect(await one.admit('slack:soc', limit)).toBe(0);
    expect(await other.admit('slack:soc', limit)).toBe(0);
    const wait = await one.admit('slack:soc', limit);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    // Another destination has its own allowance.
    expect(await other.admit('teams:ops', limit)).toBe(0);
  });

  test('the window opens again once its period has passed', async ({ redis }) => {
    const gate = new RedisDeliveryGate(redis);
    const limit = { messages: 1, perMs: 1_000 };
    expect(await gate.admit('hook', limit)).toBe(0);
    const wait = await gate.admit('hook', limit);
    expect(wait).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, wait + 20));
    expect(await gate.admit('hook', limit)).toBe(0);
  });

  test('a hold-off (429 Retry-After) makes every gate wait, with or without a rate limit', async ({
    redis,
  }) => {
    const one = new RedisDeliveryGate(redis);
    const other = new RedisDeliveryGate(redis);
    await one.holdOff('slack:soc', 5_000);

    const wait = await other.admit('slack:soc', undefined);
    expect(wait).toBeGreaterThan(4_000);
    expect(wait).toBeLessThanOrEqual(5_000);
    expect(await other.admit('slack:soc', { messages: 10, perMs: 60_000 })).toBeGreaterThan(4_000);
    expect(await other.admit('slack:other', undefined)).toBe(0);
  });

  test('keeps its keys under the namespace hash tag', async ({ redis }) => {
    const gate = new RedisDeliveryGate(redis);
    await gate.holdOff('pagerduty:oncall', 1_000);
    await gate.admit('webhook:hook', { messages: 1, perMs: 500 });
    const keys = await redis.redis.keys(`*${redis.namespace}*`);
    expect(keys.sort()).toEqual([
      `{${redis.namespace}}:sender:not-before:pagerduty:oncall`,
      `{${redis.namespace}}:sender:rate:1/1s:webhook:hook`,
    ]);
  });

  test('without a limit or a hold-off every message may go', async ({ redis }) => {
    const gate = new RedisDeliveryGate(redis);
    for (let i = 0; i < 5; i++) {
      expect(await gate.admit('webhook:hook', undefined)).toBe(0);
    }
  });
});
