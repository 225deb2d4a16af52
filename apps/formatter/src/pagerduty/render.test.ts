import type { Priority } from '@herald/contracts';
import { describe, expect, test } from 'vitest';
import { inputWith, templateFolder } from '../channel-input.test-support.ts';
import { loadTemplateSet } from '../templates/set.ts';
import { digestAnalysis, corpusAlerts } from '../test-fixtures.ts';
import { PAGERDUTY_LIMITS, renderPagerDuty } from './render.ts';

describe('renderPagerDuty', () => {
  test.each([
    ['critical', 'critical'],
    ['high', 'error'],
    ['medium', 'warning'],
    ['low', 'info'],
    ['info', 'info'],
  ] as [Priority, string][])('priority %s is severity %s', (priority, severity) => {
    const { payload } = renderPagerDuty(
      inputWith({ analysis: { priority } }),
      loadTemplateSet('pagerduty'),
    );
    expect(payload.payload.severity).toBe(severity);
  });

  test('a trigger with a dedup key stable per alert, links, and the facts in custom_details', () => {
    const first = renderPagerDuty(inputWith(), loadTemplateSet('pagerduty')).payload;
    const again = renderPagerDuty(inputWith(), loadTemplateSet('pagerduty')).payload;
    expect(first.event_action).toBe('trigger');
    expect(first.dedup_key).toBe('herald/alert/00000000-0000-4000-8000-000000000001');
    expect(again.dedup_key).toBe(first.dedup_key);
    expect(first).toMatchObject({
      links: [
        {
          href: 'https://herald.example.com/v1/alerts/00000000-0000-4000-8000-000000000001',
          text: 'Alert in Herald',
        },
      ],
      payload: {
        source: 'localhost.localdomain',
        class: 'other',
        custom_details: { 'explanation written by': "Herald's built-in rules" },
      },
    });
    expect(first.payload.summary).toMatch(/^\[HIGH\] .* \(rule 5712, level 10\)$/);
  });

  test("every digest of a group shares the group's dedup key, so PagerDuty updates one incident", () => {
    const alert = corpusAlerts()[0]!.alert;
    const digest = renderPagerDuty(
      inputWith({ analysis: digestAnalysis(alert, 7) }),
      loadTemplateSet('pagerduty'),
    ).payload;
    expect(digest.dedup_key).toBe('herald/group/grp-5712-web-01');
    expect(digest.payload.summary).toContain('7 alerts:');
  });

  test('a summary template writing too much is cut to 1,024 characters, one line', () => {
    const templates = loadTemplateSet(
      'pagerduty',
      templateFolder({ 'summary.liquid': '{{ summary }}\n'.repeat(40) }),
    );
    const { summary } = renderPagerDuty(inputWith(), templates).payload.payload;
    expect([...summary].length).toBe(PAGERDUTY_LIMITS.summaryChars);
    expect(summary).not.toMatch(/\n/);
  });
});
