import { describe, expect, test } from 'vitest';
import { corpusAlerts, digestAnalysis, emailInputFor } from '../test-fixtures.ts';
import { buildMessageView } from './view.ts';

describe('buildMessageView', () => {
  const alert = corpusAlerts()[0]!.alert;

  test('a digest says how many, between when, and on which agents when several', () => {
    const analysis = digestAnalysis(alert, 3);
    analysis.group!.agents = ['web-01', 'web-02'];
    analysis.group!.firstAt = '2024-03-01T09:00:00.000+0100';
    const view = buildMessageView({ ...emailInputFor(alert), analysis });
    expect(view.group).toMatchObject({
      count: 3,
      sequence: 2,
      text: '3 alerts like this one between 2024-03-01 08:00:00 UTC and 2024-03-01 10:00:00 UTC on web-01, web-02',
      labels: ['rule.id=5712', 'agent.name=localhost.localdomain'],
    });
  });

  test('no group, no digest', () => {
    expect(buildMessageView(emailInputFor(alert)).group).toBeUndefined();
  });

  test('says who wrote the explanation', () => {
    const input = emailInputFor(alert);
    expect(buildMessageView(input)).toMatchObject({
      explainedByKind: 'rules',
      explainedBy: "Herald's built-in rules",
    });
    const llm = buildMessageView({ ...input, analysis: { ...input.analysis, explainedBy: 'llm' } });
    expect(llm.explainedBy).toBe('a language model (check it against the alert details below)');
  });
});
