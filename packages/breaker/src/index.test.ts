import { describe, expect, it } from 'vitest';
import * as breaker from './index.ts';
import type { BreakerExecutor } from './index.ts';
import * as testing from './testing.ts';

describe('package entry', () => {
  it('exports the public API', () => {
    expect(Object.keys(breaker).sort()).toEqual([
      'BreakerRegistry',
      'BreakerTimeoutError',
      'BrokenCircuitError',
      'CircuitBreaker',
      'DEFAULT_BREAKER_SETTINGS',
      'defaultClassify',
      'isBreakerTimeoutError',
      'isBrokenCircuitError',
      'resolveSettings',
      'systemClock',
    ]);
    expect(Object.keys(testing)).toEqual(['ManualClock']);
  });

  it('gives a CircuitBreaker the structural execute shape other packages rely on', async () => {
    const executor: BreakerExecutor = new breaker.CircuitBreaker({ name: 'wazuh-api' });

    const signalSeen = await executor.execute(async (signal) => signal instanceof AbortSignal, {
      signal: new AbortController().signal,
    });

    expect(signalSeen).toBe(true);
  });
});
