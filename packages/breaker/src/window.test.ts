import { describe, expect, it } from 'vitest';
import { RollingWindow } from './window.ts';

describe('RollingWindow', () => {
  it('counts calls and failures inside the window', () => {
    const window = new RollingWindow(10_000, 10);
    window.record(0, 'failure');
    window.record(500, 'success');
    window.record(9_999, 'failure');

    expect(window.counts(9_999)).toEqual({ calls: 3, failures: 2 });
  });

  it('ages out old calls a bucket at a time', () => {
    const window = new RollingWindow(10_000, 10);
    window.record(0, 'failure'); // bucket [0, 1000)
    window.record(1_500, 'failure'); // bucket [1000, 2000)

    expect(window.counts(9_999).calls).toBe(2);
    expect(window.counts(10_000)).toEqual({ calls: 1, failures: 1 });
    expect(window.counts(11_000)).toEqual({ calls: 0, failures: 0 });
  });

  it('reuses a slot for a later slice instead of adding to stale counts', () => {
    const window = new RollingWindow(10_000, 10);
    window.record(100, 'failure');
    window.record(10_100, 'success'); // same slot, one window later

    expect(window.counts(10_100)).toEqual({ calls: 1, failures: 0 });
  });

  it('does not trust buckets written before the clock stepped back', () => {
    const window = new RollingWindow(10_000, 10);
    window.record(50_000, 'failure');

    expect(window.counts(45_000)).toEqual({ calls: 0, failures: 0 });
  });

  it('forgets everything on clear', () => {
    const window = new RollingWindow(10_000, 10);
    window.record(0, 'failure');
    window.clear();

    expect(window.counts(0)).toEqual({ calls: 0, failures: 0 });
  });
});
