import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MessageChannel, RenderedMessage } from '@herald/contracts';
import { RenderedMessageSchema } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';
import { describe, expect, test } from 'vitest';
import { CHANNELS, renderFor, stringsOf } from './channels.test-support.ts';
import { jsonBytes } from './message/limits.ts';
import { PAGERDUTY_LIMITS } from './pagerduty/render.ts';
import { SLACK_LIMITS } from './slack/render.ts';
import { TEAMS_MAX_BYTES } from './teams/render.ts';
import {
  corpusAlerts,
  fixedAlertId,
  minimalEnrichment,
  plausibleAnalysis,
} from './test-fixtures.ts';
import { validateWebhookDocument } from './webhook/schema.test-support.ts';

const base = corpusAlerts()[0]!.alert;

/** The same alert with hostile text in its description (which the analysis repeats) and log. */
function hostile(description: string, fullLog = description): WazuhAlert {
  return { ...base, rule: { ...base.rule, description }, full_log: fullLog };
}

const HOSTILE: Record<string, WazuhAlert> = {
  'script tags': hostile('<img src=x onerror=alert(1)>', '<script>alert(1)</script></pre></td>'),
  'slack mentions and links': hostile(
    '<!channel> <!here> <@U123> <#C1> <http://evil.example|click here> @channel @here #general',
  ),
  'unbalanced backticks': hostile('``` open fence and a ` tick', 'line ```\n` lone tick ``'),
  'template syntax': hostile('{{7*7}} {% raw %} ${7*7} <%= 7*7 %> #{7*7}'),
  'CRLF header injection': hostile(
    'x\r\nBcc: victim@example.com\r\n\r\n<b>body</b>',
    'a\r\nb\rc\n',
  ),
  '1 MB full_log': hostile('huge log', `${'A'.repeat(1_048_576)}<!channel>`),
  'NUL and lone surrogates': hostile('a\u0000b\uD800c\uDFFFd', 'x\u0000y\uDBFF'),
  'bidi and zero-width': hostile(
    'invoice\u202Egnp.exe\u200B\u200D\uFEFF\u2066x\u2069',
    '\u001b[31mred\u001b[0m',
  ),
  'non-Latin scripts': hostile('Ошибка входа 登录失败 فشل تسجيل الدخول 🔥', 'пароль 密码 كلمة'),
  'markdown links and mentions': hostile(
    '[click](http://evil.example) ![img](http://e/x.png) **b** <at>Boss</at>',
  ),
};

function render(channel: MessageChannel, alert: WazuhAlert, templates?: string): RenderedMessage {
  return renderFor(
    channel,
    {
      alertId: fixedAlertId(1),
      alert,
      enrichment: minimalEnrichment(alert),
      analysis: plausibleAnalysis(alert),
      publicUrl: 'https://herald.example.com',
    },
    templates,
  );
}

/** Every `{type: 'mrkdwn'}` text object of a Slack payload, with its JSON pointer. */
function mrkdwnObjects(payload: unknown): [pointer: string, object: Record<string, unknown>][] {
  const found: [string, Record<string, unknown>][] = [];
  const walk = (value: unknown, pointer: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${pointer}/${index}`));
    } else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if (record.type === 'mrkdwn') {
        found.push([pointer, record]);
      }
      Object.entries(record).forEach(([key, member]) => walk(member, `${pointer}/${key}`));
    }
  };
  walk(payload, '');
  return found;
}

/**
 * Mrkdwn texts of a Slack payload, the only strings Slack reads `<...>` and formatting in:
 * the top-level `text` and every mrkdwn text object. Header plain_text and rich_text text
 * elements are shown as they are.
 */
function mrkdwnTexts(payload: unknown): [pointer: string, text: string][] {
  const objects = mrkdwnObjects(payload).map(([pointer, object]): [string, string] => [
    `${pointer}/text`,
    String(object.text),
  ]);
  const text = (payload as { text?: unknown }).text;
  return typeof text === 'string' ? [['/text', text], ...objects] : objects;
}

/** Tag names in order: the markup's skeleton, which alert text must never change. */
function tagSkeleton(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)]
    .map((match) => match[0])
    .filter((tag) => tag !== '<br');
}

/** Every property none of the hostile alerts may break, for one rendered message. */
function expectInert(rendered: RenderedMessage, benign: RenderedMessage): void {
  expect(RenderedMessageSchema.parse(rendered)).toEqual(rendered);
  for (const [pointer, text] of stringsOf(rendered)) {
    expect(text.isWellFormed(), pointer).toBe(true);
    expect(text, pointer).not.toMatch(/[\u0000\u001b\u202E\u2066-\u2069]/);
    expect(text, pointer).not.toMatch(/(?<![{$#=] ?|\$\{|#\{)\b49\b/);
  }
  switch (rendered.channel) {
    case 'email': {
      expect(rendered.subject).not.toMatch(/[\r\n]/);
      for (const value of Object.values(rendered.headers)) {
        expect(value).toMatch(/^[\x20-\x7E]{1,128}$/);
      }
      expect(rendered.html).not.toMatch(/<script|<img|<b>/i);
      expect(tagSkeleton(rendered.html)).toEqual(tagSkeleton((benign as typeof rendered).html));
      break;
    }
    case 'slack': {
      const { blocks, text } = rendered.payload;
      expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      expect([...text].length).toBeLessThanOrEqual(SLACK_LIMITS.textChars);
      for (const [pointer, mrkdwn] of mrkdwnTexts(rendered.payload)) {
        const limit = pointer === '/text' ? SLACK_LIMITS.textChars : SLACK_LIMITS.sectionTextChars;
        // No raw `<` or `>`: no mention, channel link or URL link can form; every `&` is an entity.
        expect(mrkdwn).not.toMatch(/[<>]/);
        expect(mrkdwn).not.toMatch(/&(?!amp;|lt;|gt;)/);
        expect(mrkdwn.split('```').length % 2).toBe(1);
        expect([...mrkdwn].length).toBeLessThanOrEqual(limit);
      }
      expect(rendered.payload).toMatchObject({
        parse: 'none',
        link_names: false,
        unfurl_links: false,
        unfurl_media: false,
      });
      // Verbatim: Slack does not turn a bare @channel, #channel or URL into a mention or link.
      const objects = mrkdwnObjects(rendered.payload);
      expect(objects.length).toBeGreaterThan(0);
      for (const [pointer, object] of objects) {
        expect(object.verbatim, pointer).toBe(true);
      }
      break;
    }
    case 'teams': {
      expect(jsonBytes(rendered.payload)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
      const markdown = stringsOf(rendered.payload).filter(
        ([pointer]) => /\/(text|value)$/.test(pointer) && !pointer.includes('inlines'),
      );
      for (const [pointer, text] of markdown) {
        // Every `[`, `<` and backtick is escaped: no link, image, mention or code span.
        expect(text, pointer).not.toMatch(/(?<!\\)[[<`]/);
      }
      break;
    }
    case 'webhook': {
      expect(
        validateWebhookDocument(rendered.payload),
        JSON.stringify(validateWebhookDocument.errors),
      ).toBe(true);
      break;
    }
    case 'pagerduty': {
      const { summary } = rendered.payload.payload;
      expect(summary).not.toMatch(/[\r\n]/);
      expect([...summary].length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summaryChars);
      expect(jsonBytes(rendered.payload)).toBeLessThanOrEqual(PAGERDUTY_LIMITS.eventBytes);
      break;
    }
  }
}

/** A folder of templates that print every value, for each channel. */
function printingTemplates(channel: MessageChannel): string {
  const dir = mkdtempSync(path.join(tmpdir(), `herald-${channel}-`));
  const everything =
    '{{ title }} {{ summary }} {{ rule.description }} {{ logExcerpt }} {% for s in nextSteps %}{{ s }}{% endfor %}';
  const files: Record<MessageChannel, Record<string, string>> = {
    email: {
      'subject.liquid': everything,
      'text.liquid': everything,
      'html.liquid': `<p>${everything}</p>`,
    },
    slack: {
      'title.liquid': everything,
      'body.liquid': `*x* ${everything}\n\`\`\`\n{{ logExcerpt }}\n\`\`\``,
    },
    teams: { 'title.liquid': everything, 'body.liquid': `**x** ${everything}` },
    webhook: { 'title.liquid': everything, 'body.liquid': everything },
    pagerduty: { 'summary.liquid': everything },
  };
  for (const [name, text] of Object.entries(files[channel])) {
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('hostile alerts in every channel', () => {
  for (const channel of CHANNELS) {
    const benign = render(channel, hostile('benign text', 'benign log'));
    const templates = printingTemplates(channel);
    const benignTemplated = render(channel, hostile('benign text', 'benign log'), templates);

    test.each(Object.keys(HOSTILE))(`${channel}: %s, default templates`, (name) => {
      expectInert(render(channel, HOSTILE[name]!), benign);
    });

    test.each(Object.keys(HOSTILE))(
      `${channel}: %s, operator templates printing every value`,
      (name) => {
        expectInert(render(channel, HOSTILE[name]!, templates), benignTemplated);
      },
    );
  }

  test('template syntax in an alert stays literal text in every channel', () => {
    for (const channel of CHANNELS) {
      const text = JSON.stringify(render(channel, HOSTILE['template syntax']!));
      expect(text, channel).toContain('{{7*7}}');
      expect(text, channel).not.toContain(' 49 ');
    }
  });

  test('Slack shows mentions and links as text, escaped', () => {
    const rendered = render('slack', HOSTILE['slack mentions and links']!);
    const texts = mrkdwnTexts(rendered.channel === 'slack' ? rendered.payload : {}).map(
      ([, text]) => text,
    );
    expect(texts.join('\n')).toContain(
      '&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;#C1&gt; &lt;http://evil.example|click here&gt;',
    );
    expect(texts.join('\n')).not.toContain('<!channel>');
  });

  test('a 1 MB full_log is cut in every channel with a note saying so', () => {
    for (const channel of CHANNELS) {
      const rendered = render(channel, HOSTILE['1 MB full_log']!);
      const text = JSON.stringify(rendered);
      expect(text.length, channel).toBeLessThan(60_000);
      expect(text, channel).toContain('… (truncated');
    }
  });
});
