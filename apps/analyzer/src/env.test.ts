import { describe, expect, it } from 'vitest';
import { AnalyzerEnv } from './env.ts';

const stores = { DATABASE_URL: 'postgresql://h@127.0.0.1/h', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('AnalyzerEnv', () => {
  it('reads the default grouping durations', () => {
    const env = AnalyzerEnv.parse({ ...stores, HERALD_REPEAT_INTERVAL: '24d' });
    expect(env).toMatchObject({
      HERALD_GROUP_WAIT: 0,
      HERALD_GROUP_INTERVAL: 300_000,
      HERALD_REPEAT_INTERVAL: 2_073_600_000,
    });
  });

  it('refuses a grouping duration the grouping tables cannot hold, at start', () => {
    const parsed = AnalyzerEnv.safeParse({ ...stores, HERALD_REPEAT_INTERVAL: '30d' });
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({ path: ['HERALD_REPEAT_INTERVAL'], message: 'must be at most 24d' }),
    ]);
  });
});
