import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.ts';

describe('ManualClock', () => {
  it('fires due timers in order, each at its own time', () => {
    const clock = new ManualClock(1_000);
    const fired: Array<[string, number]> = [];
    clock.schedule(() => fired.push(['b', clock.now()]), 200);
    clock.schedule(() => fired.push(['a', clock.now()]), 100);
    clock.schedule(() => fired.push(['late', clock.now()]), 1_000);

    clock.advance(500);

    expect(fired).toEqual([
      ['a', 1_100],
      ['b', 1_200],
    ]);
    expect(clock.now()).toBe(1_500);
    expect(clock.pendingTimers).toBe(1);
  });

  it('does not fire a cancelled timer', () => {
    const clock = new ManualClock();
    let fired = false;
    const cancel = clock.schedule(() => {
      fired = true;
    }, 10);

    cancel();
    clock.advance(100);

    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});
