import { MAX_GROUPING_MS } from '@herald/config';
import { test } from '@herald/db/testing';
import { describe, expect } from 'vitest';
import { Grouper } from './grouper.ts';
import { enrichment, manualClock, seedClaimed, settings, sshAlert } from './test-support.ts';
import { validateAlert } from '@herald/wazuh';
import { analyzeAlert } from '../analysis/analyze.ts';

describe('grouping limits', () => {
  // The config refuses longer durations because the group tables could not store them.
  test('the longest grouping durations the config accepts are stored', async ({ db }) => {
    const clock = manualClock();
    const longest = {
      groupWaitMs: MAX_GROUPING_MS,
      groupIntervalMs: MAX_GROUPING_MS,
      repeatIntervalMs: MAX_GROUPING_MS,
    };
    const grouper = new Grouper({ db, defaults: settings(longest), now: clock.now });
    const [claimed] = await seedClaimed(db, 1);
    const validation = validateAlert(sshAlert);
    if (!validation.ok) throw new Error('the corpus alert is not a Wazuh alert');
    const analysis = { ...analyzeAlert(validation.alert, enrichment), receivers: ['soc'] };
    const [outcome] = await grouper.assign([
      {
        alertId: claimed!.id,
        alert: validation.alert,
        enrichment,
        analysis,
        receivers: [{ name: 'soc' }],
      },
    ]);
    expect(outcome?.folded).toHaveLength(1);
    const { rows } = await db.pool.query<{ repeat_interval_ms: number }>(
      'SELECT repeat_interval_ms FROM alert_groups',
    );
    expect(rows).toEqual([{ repeat_interval_ms: MAX_GROUPING_MS }]);
  });
});
