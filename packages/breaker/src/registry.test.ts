import { describe, expect, it } from 'vitest';
import type { StateChangeEvent } from './events.ts';
import { ManualClock } from './manual-clock.ts';
import { BreakerRegistry } from './registry.ts';
import { errorOf, failCalls } from './test-support.ts';

describe('BreakerRegistry', () => {
  it('returns one breaker per name', () => {
    const registry = new BreakerRegistry();

    expect(registry.get('smtp:relay')).toBe(registry.get('smtp:relay'));
    expect(registry.get('smtp:relay')).not.toBe(registry.get('webhook:teams'));
    expect(registry.get('webhook:teams').name).toBe('webhook:teams');
  });

  it('keeps destinations apart: a dead webhook does not block another (CB-22)', async () => {
    const registry = new BreakerRegistry({ defaults: { clock: new ManualClock() } });
    await failCalls(registry.get('webhook:a'), 100);

    const delivered = await registry.get('webhook:b').execute(async () => 'posted');

    expect(registry.get('webhook:a').state).toBe('open');
    expect(registry.get('webhook:b').state).toBe('closed');
    expect(delivered).toBe('posted');
  });

  it('creates breakers from the shared defaults merged with per-name overrides', async () => {
    const transitions: StateChangeEvent[] = [];
    const clock = new ManualClock();
    const registry = new BreakerRegistry({
      defaults: { clock, minimumCalls: 4, onStateChange: (event) => transitions.push(event) },
      overrides: { llm: { callTimeoutMs: 60_000 }, smtp: { minimumCalls: 2 } },
    });
    await failCalls(registry.get('smtp'), 2);
    await failCalls(registry.get('wazuh-api'), 2);
    expect(registry.get('smtp').state).toBe('open');
    expect(registry.get('wazuh-api').state).toBe('closed');

    const llmCall = registry.get('llm').execute(() => new Promise(() => {}));
    const webhookCall = registry.get('webhook').execute(() => new Promise(() => {}));
    let llmSettled = false;
    void llmCall.catch(() => {
      llmSettled = true;
    });

    clock.advance(10_000);
    expect(await errorOf(webhookCall)).toMatchObject({ code: 'BREAKER_TIMEOUT' });
    expect(llmSettled).toBe(false);
    clock.advance(50_000);
    expect(await errorOf(llmCall)).toMatchObject({ code: 'BREAKER_TIMEOUT', timeoutMs: 60_000 });

    // The shared hook hears every breaker, and each event names its breaker.
    expect(transitions).toMatchObject([{ name: 'smtp', to: 'open' }]);
  });

  it('lists the snapshots of every breaker, sorted by name', async () => {
    const clock = new ManualClock();
    const registry = new BreakerRegistry({ defaults: { clock, minimumCalls: 1 } });
    registry.get('webhook:b');
    clock.advance(5);
    await failCalls(registry.get('llm'), 1);

    expect(registry.snapshots()).toEqual([
      {
        name: 'llm',
        state: 'open',
        isolated: false,
        failureRate: 1,
        calls: 1,
        openUntil: 30_005,
        since: 5,
      },
      {
        name: 'webhook:b',
        state: 'closed',
        isolated: false,
        failureRate: 0,
        calls: 0,
        openUntil: null,
        since: 0,
      },
    ]);
  });

  it('rejects bad defaults and overrides when constructed, naming the option', () => {
    expect(() => new BreakerRegistry({ defaults: { openMs: 0 } })).toThrow(/openMs .*got 0/);
    expect(() => new BreakerRegistry({ overrides: { smtp: { halfOpenMaxCalls: -1 } } })).toThrow(
      RangeError,
    );
  });

  it('does not take settings from Object members for names like "constructor"', async () => {
    const registry = new BreakerRegistry({ defaults: { clock: new ManualClock() } });

    const value = await registry.get('constructor').execute(async () => 'ok');

    expect(value).toBe('ok');
    expect(registry.get('constructor').snapshot()).toMatchObject({ calls: 1 });
  });

  it('rejects an empty name', () => {
    expect(() => new BreakerRegistry().get(' ')).toThrow(/name must be a non-empty string/);
  });
});

describe('BreakerRegistry pause and resume (CB-21 for every breaker of a destination)', () => {
  it('holds a paused breaker open with no trial however long it waits, and closes it on resume', async () => {
    const clock = new ManualClock(1_000);
    const transitions: StateChangeEvent[] = [];
    const registry = new BreakerRegistry({
      defaults: { clock, openMs: 1_000, onStateChange: (event) => transitions.push(event) },
    });
    const smtp = registry.get('smtp');
    clock.advance(500);

    registry.pause('smtp');
    expect(smtp.snapshot()).toMatchObject({ state: 'open', isolated: true, since: 1_500 });
    clock.advance(60_000);
    let ran = false;
    const refusal = await errorOf(smtp.execute(async () => (ran = true)));
    expect(refusal).toMatchObject({ code: 'BREAKER_OPEN', isolated: true });
    expect(ran).toBe(false);
    expect(registry.paused()).toEqual(['smtp']);

    registry.resume('smtp');
    expect(smtp.snapshot()).toMatchObject({ state: 'closed', isolated: false, since: 61_500 });
    expect(await smtp.execute(async () => 'sent')).toBe('sent');
    expect(registry.paused()).toEqual([]);
    expect(transitions.map((t) => [t.to, t.reason])).toEqual([
      ['open', 'isolated'],
      ['closed', 'reset'],
    ]);
  });

  it('a pause named before the breaker exists isolates it when it is created', () => {
    const registry = new BreakerRegistry({ defaults: { clock: new ManualClock() } });
    registry.pause('webhook:teams');

    expect(registry.get('webhook:teams').snapshot().isolated).toBe(true);
    expect(registry.get('webhook:other').snapshot().isolated).toBe(false);
  });

  it('resume of a destination nobody paused leaves its tripped breaker alone', async () => {
    const clock = new ManualClock();
    const registry = new BreakerRegistry({ defaults: { clock, minimumCalls: 2 } });
    await failCalls(registry.get('smtp'), 2);
    const openedAt = registry.get('smtp').snapshot().since;

    registry.resume('smtp');
    registry.pause('smtp');
    registry.pause('smtp');

    expect(registry.get('smtp').snapshot()).toMatchObject({
      state: 'open',
      isolated: true,
      since: openedAt,
    });
    expect(registry.paused()).toEqual(['smtp']);
  });
});
