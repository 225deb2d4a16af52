import { randomBytes } from 'node:crypto';
import { MAX_GROUPING_MS } from '@herald/config';
import type { Database } from '@herald/db';
import { test } from '@herald/db/testing';
import { validateAlert } from '@herald/wazuh';
import { describe, expect } from 'vitest';
import { analyzeAlert } from '../analysis/analyze.ts';
import { Grouper } from './grouper.ts';
import type { GroupingSettings } from './settings.ts';
import { enrichment, manualClock, seedClaimed, settings, sshAlert } from './test-support.ts';

/** Assigns `bodies` (each stored first) to the receiver `soc` and returns the outcomes. */
async function assign(
  db: Database,
  overrides: Partial<GroupingSettings>,
  bodies: Record<string, unknown>[],
) {
  const grouper = new Grouper({ db, defaults: settings(overrides), now: manualClock().now });
  const inputs = [];
  for (const [index, body] of bodies.entries()) {
    const [claimed] = await seedClaimed(db, 1, body, `b${index}`);
    const validation = validateAlert(claimed!.body);
    if (!validation.ok) throw new Error('not a Wazuh alert');
    inputs.push({
      alertId: claimed!.id,
      alert: validation.alert,
      enrichment,
      analysis: { ...analyzeAlert(validation.alert, enrichment), receivers: ['soc'] },
      receivers: [{ name: 'soc' }],
    });
  }
  return grouper.assign(inputs);
}

describe('grouping limits', () => {
  // The config refuses longer durations because the group tables could not store them.
  test('the longest grouping durations the config accepts are stored', async ({ db }) => {
    const longest = {
      groupWaitMs: MAX_GROUPING_MS,
      groupIntervalMs: MAX_GROUPING_MS,
      repeatIntervalMs: MAX_GROUPING_MS,
    };
    const [outcome] = await assign(db, longest, [sshAlert]);
    expect(outcome?.folded).toHaveLength(1);
    const { rows } = await db.pool.query<{ repeat_interval_ms: number }>(
      'SELECT repeat_interval_ms FROM alert_groups',
    );
    expect(rows).toEqual([{ repeat_interval_ms: MAX_GROUPING_MS }]);
  });

  // An attacker controls fields such as a command line: grouping by one must not make the
  // group key too long for its index, which failed every batch holding such an alert.
  test('grouping by a huge field keeps distinct values apart and bounded', async ({ db }) => {
    const withCommand = (command: string) => ({
      ...sshAlert,
      data: { ...(sshAlert.data as object), command },
    });
    const huge = randomBytes(20_000).toString('hex');
    const outcomes = await assign(db, { groupBy: ['rule.id', 'data.command'] }, [
      withCommand(huge),
      withCommand(huge),
      withCommand(`${huge}x`),
    ]);
    expect(outcomes.map((outcome) => outcome.notify)).toEqual([['soc'], [], ['soc']]);
    const { rows } = await db.pool.query<{ key: number; label: number }>(
      `SELECT length(group_key) AS key, length(labels->>'data.command') AS label
         FROM alert_groups`,
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.key).toBeLessThanOrEqual(1_000);
      expect(row.label).toBeLessThanOrEqual(300);
    }
  });
});
