import { describe, expect, test } from 'vitest';
import { inputWith } from '../channel-input.test-support.ts';
import { loadTemplateSet } from '../templates/set.ts';
import { corpusAlerts, digestAnalysis } from '../test-fixtures.ts';
import { renderWebhook } from './render.ts';
import { validateWebhookDocument } from './schema.test-support.ts';

describe('renderWebhook', () => {
  test('names every field it cut, as JSON pointers', () => {
    const { payload } = renderWebhook(
      inputWith({ alert: { full_log: 'x'.repeat(10_000) } }),
      loadTemplateSet('webhook'),
    );
    expect(validateWebhookDocument(payload)).toBe(true);
    expect(payload.truncated).toEqual(['/alert/logExcerpt']);
  });

  test('a digest carries its group and says it is one', () => {
    const alert = corpusAlerts()[0]!.alert;
    const { payload } = renderWebhook(
      inputWith({ analysis: digestAnalysis(alert, 5) }),
      loadTemplateSet('webhook'),
    );
    expect(validateWebhookDocument(payload), JSON.stringify(validateWebhookDocument.errors)).toBe(
      true,
    );
    expect(payload).toMatchObject({
      kind: 'digest',
      group: { groupId: 'grp-5712-web-01', count: 5, sequence: 2 },
    });
  });

  test('the schema refuses what v1 does not define, so the tests above mean something', () => {
    const { payload } = renderWebhook(inputWith(), loadTemplateSet('webhook'));
    expect(validateWebhookDocument({ ...payload, extra: 1 })).toBe(false);
    expect(validateWebhookDocument({ ...payload, schema: 'herald.alert.v2' })).toBe(false);
  });
});
