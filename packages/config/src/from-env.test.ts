import { describe, expect, it } from 'vitest';
import { isConfigFileError } from './errors.ts';
import { configFromEnv } from './from-env.ts';
import { groupingFromEnv } from './grouping-env.ts';
import { routeAlert } from './route-alert.ts';

const NOW = new Date('2026-12-04T12:00:00Z');
const alertAt = (level: number) => ({
  timestamp: 't',
  rule: { level, id: '5712', description: 'd' },
});

describe('configFromEnv', () => {
  it('gives one email receiver that gets every alert when nothing is set', () => {
    const config = configFromEnv({});
    expect(config.source).toBe('environment');
    expect(config.receivers).toEqual([
      { name: 'default', email: { from: 'Herald <herald@localhost>', to: ['soc@localhost'] } },
    ]);
    expect(routeAlert(config, alertAt(0), {}, NOW).receivers.map((r) => r.name)).toEqual([
      'default',
    ]);
  });

  it('builds the receiver from HERALD_DEFAULT_RECEIVER, HERALD_MAIL_FROM and HERALD_MAIL_TO', () => {
    const config = configFromEnv({
      HERALD_DEFAULT_RECEIVER: 'soc',
      HERALD_MAIL_FROM: 'Herald <herald@example.com>',
      HERALD_MAIL_TO: 'a@example.com, b@example.com',
    });
    expect(config.receivers).toEqual([
      {
        name: 'soc',
        email: { from: 'Herald <herald@example.com>', to: ['a@example.com', 'b@example.com'] },
      },
    ]);
  });

  it('sends alerts at or above HERALD_NOTIFY_MIN_LEVEL and says why the others reach nobody', () => {
    const config = configFromEnv({ HERALD_NOTIFY_MIN_LEVEL: '11', HERALD_DEFAULT_RECEIVER: 'soc' });
    expect(routeAlert(config, alertAt(11), {}, NOW).receivers.map((r) => r.name)).toEqual(['soc']);
    const below = routeAlert(config, alertAt(10), {}, NOW);
    expect(below.receivers).toEqual([]);
    expect(below.reason).toContain('rule.level>=11 does not hold (rule.level is 10)');
  });

  it('names the variable that is wrong', () => {
    const messageOf = (env: Record<string, string>): string => {
      try {
        configFromEnv(env);
      } catch (err) {
        if (isConfigFileError(err)) return err.message;
        throw err;
      }
      return '';
    };
    expect(messageOf({ HERALD_NOTIFY_MIN_LEVEL: 'high' })).toContain(
      'HERALD_NOTIFY_MIN_LEVEL: must be a whole number from 0 to 16',
    );
    expect(messageOf({ HERALD_DEFAULT_RECEIVER: 'the soc' })).toContain(
      'HERALD_DEFAULT_RECEIVER: ',
    );
    expect(messageOf({ HERALD_MAIL_TO: ' , ' })).toContain('HERALD_MAIL_TO: ');
  });
});

describe('groupingFromEnv', () => {
  it('reads HERALD_GROUP_BY and the three durations, with the defaults for the rest', () => {
    expect(groupingFromEnv({})).toEqual({
      groupBy: ['rule.id', 'agent.id', 'data.srcip'],
      groupWaitMs: 0,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 14_400_000,
    });
    expect(
      groupingFromEnv({
        HERALD_GROUP_BY: 'rule.id, agent.name',
        HERALD_GROUP_WAIT: '30s',
        HERALD_REPEAT_INTERVAL: '1h',
      }),
    ).toEqual({
      groupBy: ['rule.id', 'agent.name'],
      groupWaitMs: 30_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 3_600_000,
    });
  });

  it('is the grouping the environment configuration routes with', () => {
    const config = configFromEnv({ HERALD_GROUP_INTERVAL: '10m' });
    expect(routeAlert(config, alertAt(5), {}, NOW).receivers[0]?.grouping.groupIntervalMs).toBe(
      600_000,
    );
  });

  it("takes ... alone for no grouping, as Alertmanager's group_by does", () => {
    expect(groupingFromEnv({ HERALD_GROUP_BY: '...' }).groupBy).toEqual(['...']);
    expect(() => groupingFromEnv({ HERALD_GROUP_BY: '...,rule.id' })).toThrow(/HERALD_GROUP_BY/);
  });

  it('names the variable that is wrong', () => {
    expect(() =>
      groupingFromEnv({ HERALD_GROUP_WAIT: 'soon', HERALD_GROUP_BY: 'rule id' }),
    ).toThrow(
      /HERALD_GROUP_BY: write comma-separated field paths[\s\S]*HERALD_GROUP_WAIT: 'soon' is not a duration/,
    );
  });

  it('refuses a duration longer than the grouping stage can keep', () => {
    expect(groupingFromEnv({ HERALD_REPEAT_INTERVAL: '24d' }).repeatIntervalMs).toBe(2_073_600_000);
    expect(() => groupingFromEnv({ HERALD_REPEAT_INTERVAL: '30d' })).toThrow(
      /HERALD_REPEAT_INTERVAL: '30d' is too long: at most 24d/,
    );
  });
});
