import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileTemplate } from './engine.ts';
import { isTemplateError } from './errors.ts';
import { escapeMarkdown, escapeSlack } from './escape.ts';
import { loadTemplateSet } from './set.ts';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-templates-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('escaping per target', () => {
  test('Slack: & < > become entities and backticks a look-alike', () => {
    expect(escapeSlack('<!channel> <@U1> <http://x|y> a&b ```')).toBe(
      '&lt;!channel&gt; &lt;@U1&gt; &lt;http://x|y&gt; a&amp;b ˋˋˋ',
    );
  });

  test('Markdown: links, mentions, emphasis, code and line-start marks are escaped', () => {
    expect(escapeMarkdown('[x](http://y) <at>B</at> **b** _i_ `c` ~s~')).toBe(
      '\\[x\\](http://y) \\<at\\>B\\</at\\> \\*\\*b\\*\\* \\_i\\_ \\`c\\` \\~s\\~',
    );
    expect(escapeMarkdown('# h\n- item\n1. one\n> quote')).toBe(
      '\\# h\n\n\\- item\n\n1\\. one\n\n\\> quote',
    );
    expect(escapeMarkdown('a-b 2024-03-01 v1.2')).toBe('a-b 2024-03-01 v1.2');
  });
});

describe('compileTemplate', () => {
  test('every value is escaped for the target; the template text is markup', () => {
    const html = compileTemplate('<p>{{ x }}</p>', 'html', 't');
    expect(html.render({ x: '<b>"&' })).toBe('<p>&lt;b&gt;&quot;&amp;</p>');
    const slack = compileTemplate('*{{ x }}*', 'slack', 't');
    expect(slack.render({ x: '<!here>' })).toBe('*&lt;!here&gt;*');
    const text = compileTemplate('{{ x }}', 'text', 't');
    expect(text.render({ x: '<b>' })).toBe('<b>');
  });

  test('br keeps line breaks in HTML and still escapes; it exists for HTML only', () => {
    expect(compileTemplate('{{ x | br }}', 'html', 't').render({ x: '<b>\nc' })).toBe(
      '&lt;b&gt;<br />c',
    );
    expect(isTemplateError(thrown(() => compileTemplate('{{ x | br }}', 'slack', 't')))).toBe(true);
  });

  test('template syntax inside a value is never evaluated', () => {
    const template = compileTemplate('{{ x }}', 'text', 't');
    expect(template.render({ x: '{{7*7}} {% assign a = 1 %}' })).toBe('{{7*7}} {% assign a = 1 %}');
  });

  test('raw, the one unescaped output, is refused when the template is loaded', () => {
    const err = thrown(() => compileTemplate('{{ x | raw }}', 'html', 'body.liquid'));
    expect(isTemplateError(err)).toBe(true);
    expect(err.message).toContain('body.liquid');
    expect(err.message).toContain('raw');
  });

  test('a misspelt variable fails the render, naming the file', () => {
    const err = thrown(() =>
      compileTemplate('{{ summry }}', 'text', '/etc/herald/body.liquid').render({ summary: 's' }),
    );
    expect(isTemplateError(err)).toBe(true);
    expect(err.message).toContain('/etc/herald/body.liquid');
    expect(err.message).toContain('summry');
  });

  test('only own properties are reachable: no prototype or constructor', () => {
    const err = thrown(() =>
      compileTemplate('{{ x.constructor.name }}', 'text', 't').render({ x: 'a' }),
    );
    expect(isTemplateError(err)).toBe(true);
  });

  test('includes resolve only among the given partials, never the file system', () => {
    const template = compileTemplate(
      "{% render '_footer' %} {% include '/etc/passwd' %}",
      'text',
      't',
      { _footer: 'F' },
    );
    expect(thrown(() => template.render({})).message).toMatch(/passwd/);
    expect(
      compileTemplate("{% render '_footer' %}", 'text', 't', { _footer: 'F' }).render({}),
    ).toBe('F');
  });

  test('a runaway loop is stopped by the render limit', () => {
    const template = compileTemplate(
      '{% for i in (1..100000000) %}{{ i }}{% endfor %}',
      'text',
      't',
    );
    expect(isTemplateError(thrown(() => template.render({})))).toBe(true);
  }, 30_000);
});

describe('loadTemplateSet', () => {
  test('the defaults ship for every channel', () => {
    expect([...loadTemplateSet('slack').parts.keys()].sort()).toEqual(['body', 'title']);
    expect([...loadTemplateSet('teams').parts.keys()].sort()).toEqual(['body', 'title']);
    expect([...loadTemplateSet('webhook').parts.keys()].sort()).toEqual(['body', 'title']);
    expect([...loadTemplateSet('pagerduty').parts.keys()]).toEqual(['summary']);
    expect([...loadTemplateSet('email').parts.keys()].sort()).toEqual(['html', 'text']);
  });

  test('a file replaces the main part only; the other parts keep their defaults', () => {
    const dir = folder({ 'mine.liquid': 'mine {{ title }}' });
    const set = loadTemplateSet('slack', path.join(dir, 'mine.liquid'));
    expect(set.parts.get('body')?.source).toBe(path.join(dir, 'mine.liquid'));
    expect(set.parts.get('title')?.source).toMatch(/templates\/slack\/title\.liquid$/);
  });

  test('a folder replaces the parts it has, and its _partials can be rendered', () => {
    const dir = folder({
      'subject.liquid': 'S {{ title }}',
      'html.liquid': "<p>{% render '_sig' %}</p>",
      '_sig.liquid': 'signed',
    });
    const set = loadTemplateSet('email', dir);
    expect([...set.parts.keys()].sort()).toEqual(['html', 'subject', 'text']);
    expect(set.parts.get('text')?.source).toMatch(/templates\/email\/text\.liquid$/);
    expect(set.parts.get('html')!.render({})).toBe('<p>signed</p>');
  });

  test('a file naming no part of the channel is an error listing the parts', () => {
    const dir = folder({ 'bdoy.liquid': 'x' });
    const err = thrown(() => loadTemplateSet('teams', dir));
    expect(isTemplateError(err)).toBe(true);
    expect(err.message).toContain('bdoy.liquid');
    expect(err.message).toContain('title.liquid, body.liquid');
  });

  test('a missing template path is an error naming it', () => {
    const err = thrown(() => loadTemplateSet('slack', '/nonexistent/herald/body.liquid'));
    expect(isTemplateError(err)).toBe(true);
    expect(err.message).toContain('/nonexistent/herald/body.liquid');
  });
});
