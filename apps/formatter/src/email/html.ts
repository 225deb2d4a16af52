// The HTML body is built only through the `html` tag below: every interpolated value is
// escaped unless it is itself the output of `html`, so markup can only come from the
// literal parts of templates in this code. There is deliberately no "raw" escape hatch.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes the five characters that matter in HTML text and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/** Only this module holds it, so only `html` and `joinHtml` can make a SafeHtml. */
const constructionKey = Symbol('SafeHtml');

/** A piece of HTML that is safe to embed: built by `html`, never from a bare string. */
export class SafeHtml {
  readonly #markup: string;

  constructor(key: symbol, markup: string) {
    if (key !== constructionKey) {
      throw new TypeError('SafeHtml is built with the html`` tag, not constructed directly');
    }
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

/** What a template may interpolate; `undefined` and `null` render as nothing. */
export type HtmlValue = SafeHtml | string | number | undefined | null | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (value instanceof SafeHtml) {
    return value.toString();
  }
  if (Array.isArray(value)) {
    return (value as readonly HtmlValue[]).map(render).join('');
  }
  return escapeHtml(String(value));
}

/** Tagged template: literal parts are markup, every `${value}` is escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? '';
  values.forEach((value, index) => {
    markup += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(constructionKey, markup);
}

/** Joins values (each escaped unless already safe) with a separator. */
export function joinHtml(values: readonly HtmlValue[], separator: SafeHtml): SafeHtml {
  return new SafeHtml(constructionKey, values.map(render).join(separator.toString()));
}

/** Text with line breaks: each line escaped, breaks rendered as `<br>`. */
export function multiline(text: string): SafeHtml {
  return joinHtml(text.split('\n'), html`<br />`);
}
