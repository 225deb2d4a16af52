import { describe, expect, test } from 'vitest';
import { escapeHtml, html, joinHtml, multiline, SafeHtml } from './html.ts';

describe('escapeHtml', () => {
  test('escapes & < > " and \'', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });

  test('leaves other text, including template syntax, as it is', () => {
    expect(escapeHtml('{{7*7}} ${x} ü 🔥')).toBe('{{7*7}} ${x} ü 🔥');
  });
});

describe('html tag', () => {
  test('escapes every interpolated string and number', () => {
    const value = '<script>alert(1)</script>';
    expect(html`<p title="${value}">${value} ${42}</p>`.toString()).toBe(
      '<p title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt; 42</p>',
    );
  });

  test('embeds nested templates once, without double escaping', () => {
    const inner = html`<b>${'a&b'}</b>`;
    expect(html`<p>${inner}</p>`.toString()).toBe('<p><b>a&amp;b</b></p>');
  });

  test('renders arrays item by item and skips undefined', () => {
    expect(html`${['<', html`<i></i>`, undefined, null]}`.toString()).toBe('&lt;<i></i>');
  });

  test('SafeHtml cannot be made from a bare string', () => {
    expect(() => new SafeHtml(Symbol('SafeHtml'), '<script></script>')).toThrow(TypeError);
  });

  test('joinHtml escapes items and keeps the separator', () => {
    expect(joinHtml(['<a>', 'b'], html`<br />`).toString()).toBe('&lt;a&gt;<br />b');
  });

  test('multiline escapes each line and breaks with <br />', () => {
    expect(multiline('1 < 2\n"3"').toString()).toBe('1 &lt; 2<br />&quot;3&quot;');
  });
});
