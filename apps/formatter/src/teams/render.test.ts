import { describe, expect, test } from 'vitest';
import { inputWith, templateFolder } from '../channel-input.test-support.ts';
import { jsonBytes } from '../message/limits.ts';
import { loadTemplateSet } from '../templates/set.ts';
import { renderTeams, TEAMS_MAX_BYTES } from './render.ts';

describe('renderTeams', () => {
  test('an Adaptive Card in the message envelope a Workflows webhook takes', () => {
    const { payload } = renderTeams(inputWith(), loadTemplateSet('teams'));
    expect(payload.type).toBe('message');
    expect(payload.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: { type: 'AdaptiveCard', version: '1.5' },
    });
    expect(JSON.stringify(payload)).toContain('"type":"Action.OpenUrl"');
  });

  test('a card over 28 KB is shrunk, log first, and says it was cut', () => {
    const templates = loadTemplateSet(
      'teams',
      templateFolder({ 'body.liquid': '{{ summary }} '.repeat(400) }),
    );
    const { payload } = renderTeams(
      inputWith({ analysis: { summary: 'é'.repeat(3_000) } }),
      templates,
    );
    expect(jsonBytes(payload)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    expect(JSON.stringify(payload)).toContain('Teams takes about 28 KB a card');
  });

  test('the log excerpt is a TextRun, which Teams never reads as Markdown', () => {
    const { payload } = renderTeams(
      inputWith({ alert: { full_log: '**not bold** [x](http://e)' } }),
      loadTemplateSet('teams'),
    );
    expect(JSON.stringify(payload)).toContain(
      '{"type":"TextRun","text":"**not bold** [x](http://e)"',
    );
  });
});
