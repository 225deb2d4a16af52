import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, isInvalidTransitionError, STAGES } from './states.ts';

describe('state machine', () => {
  it('follows the pipeline from new to sent', () => {
    const path = ['new', 'enriching', 'enriched', 'analyzing', 'analyzed', 'formatting', 'formatted', 'sending', 'sent'] as const;
    for (let i = 1; i < path.length; i += 1) {
      expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
    }
  });

  it('lets only working states fail, and only error retry', () => {
    expect(canTransition('enriching', 'error')).toBe(true);
    expect(canTransition('sending', 'error')).toBe(true);
    expect(canTransition('new', 'error')).toBe(false);
    expect(canTransition('error', 'new')).toBe(true);
    expect(canTransition('analyzed', 'suppressed')).toBe(true);
    expect(canTransition('analyzing', 'suppressed')).toBe(true);
    expect(canTransition('enriching', 'suppressed')).toBe(false);
    expect(canTransition('sent', 'new')).toBe(false);
  });

  it('names both states in the error for a move it refuses', () => {
    let caught: unknown;
    try {
      assertTransition('sent', 'enriching');
    } catch (err) {
      caught = err;
    }
    expect(isInvalidTransitionError(caught)).toBe(true);
    expect((caught as Error).message).toBe("invalid alert transition from 'sent' to 'enriching'");
  });

  it('chains each stage into the next', () => {
    expect(STAGES.enrich.output).toBe(STAGES.analyze.input);
    expect(STAGES.analyze.output).toBe(STAGES.format.input);
    expect(STAGES.format.output).toBe(STAGES.send.input);
  });
});
