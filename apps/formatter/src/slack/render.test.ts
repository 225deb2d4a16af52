import { describe, expect, test } from 'vitest';
import { inputWith, templateFolder } from '../channel-input.test-support.ts';
import { loadTemplateSet } from '../templates/set.ts';
import { renderSlack, SLACK_LIMITS } from './render.ts';

type Block = { type: string; text?: { text: string } };

function sectionTexts(blocks: readonly Block[]): string[] {
  return blocks
    .filter((block) => block.type === 'section' && block.text)
    .map((block) => block.text!.text);
}

describe('renderSlack', () => {
  test('a long body is split into sections within the limit, a code fence closed and reopened', () => {
    const body = `intro\n\`\`\`\n${'log line {{ title }} &amp; more\n'.repeat(250)}\`\`\`\noutro`;
    const templates = loadTemplateSet('slack', templateFolder({ 'body.liquid': body }));
    const { payload } = renderSlack(inputWith(), templates);
    const sections = sectionTexts(payload.blocks as Block[]);
    expect(sections.length).toBeGreaterThan(2);
    for (const text of sections) {
      expect([...text].length).toBeLessThanOrEqual(SLACK_LIMITS.sectionTextChars);
      expect(text.split('```').length % 2).toBe(1);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    expect(sections.at(-1)).toContain('outro');
  });

  test('past 50 blocks the last section says the rest was cut, and why', () => {
    const templates = loadTemplateSet(
      'slack',
      templateFolder({ 'body.liquid': `${'x'.repeat(2_900)}\n\n`.repeat(80) }),
    );
    const { payload } = renderSlack(inputWith(), templates);
    expect(payload.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(sectionTexts(payload.blocks as Block[]).at(-1)).toContain(
      '… (truncated: Slack allows 50 blocks a message',
    );
  });

  test('the header keeps to 150 characters and the fallback text names the priority', () => {
    const { payload } = renderSlack(
      inputWith({ analysis: { title: 'T'.repeat(400) } }),
      loadTemplateSet('slack'),
    );
    const header = (payload.blocks[0] as unknown as { text: { text: string } }).text.text;
    expect([...header].length).toBe(SLACK_LIMITS.headerTextChars);
    expect(header.endsWith('…')).toBe(true);
    expect(payload.text.startsWith('[HIGH] TTT')).toBe(true);
  });

  test('says who wrote the explanation, and links to the alert in Herald', () => {
    const { payload } = renderSlack(
      inputWith({ analysis: { explainedBy: 'llm' } }),
      loadTemplateSet('slack'),
    );
    const text = JSON.stringify(payload.blocks);
    expect(text).toContain('Explanation written by a language model');
    expect(text).toContain(
      '"url":"https://herald.example.com/v1/alerts/00000000-0000-4000-8000-000000000001"',
    );
  });
});
