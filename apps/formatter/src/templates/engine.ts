import { Liquid, type Template } from 'liquidjs';
import { TemplateError } from './errors.ts';
import { escapeHtml, escaperFor, type EscapeTarget } from './escape.ts';

/** What a template may refer to: the message view, every field present (absent ones null). */
export type TemplateContext = Record<string, unknown>;

/** One parsed template, ready to render a message's context. */
export interface CompiledTemplate {
  /** Where it came from, for error messages: a file path or `default`. */
  source: string;
  render(context: TemplateContext): string;
}

// Bounds so that one template (or one alert it loops over) cannot stall the formatter.
const PARSE_LIMIT_CHARS = 1_000_000;
const RENDER_LIMIT_MS = 2_000;
const MEMORY_LIMIT = 50_000_000;

function createEngine(target: EscapeTarget, partials: Readonly<Record<string, string>>): Liquid {
  const engine = new Liquid({
    outputEscape: escaperFor(target),
    // A misspelt variable or filter is an error, not an empty string in every message.
    strictVariables: true,
    strictFilters: true,
    lenientIf: true,
    ownPropertyOnly: true,
    // Includes resolve only among the receiver's own template files: no file system.
    templates: { ...partials },
    parseLimit: PARSE_LIMIT_CHARS,
    renderLimit: RENDER_LIMIT_MS,
    memoryLimit: MEMORY_LIMIT,
  });
  // `raw` is the one way to print a value unescaped; with it gone (and strictFilters on),
  // a template that uses it fails when it is loaded instead of leaking alert text.
  delete (engine.filters as Record<string, unknown>)['raw'];
  // `underline`: a run of `-` as long as the value, for plain-text headings.
  engine.registerFilter('underline', (value: unknown) =>
    '-'.repeat([...String(value ?? '')].length),
  );
  if (target === 'html') {
    // `br`: a multi-line value in HTML. It escapes the value itself, then marks the line
    // breaks, so its output is exempt from the automatic escape (which would show `<br />`).
    engine.registerFilter('br', {
      handler: (value: unknown) => escapeHtml(String(value ?? '')).replaceAll('\n', '<br />'),
      raw: true,
    });
  }
  return engine;
}

/**
 * Parses a Liquid template whose every `{{ value }}` is escaped for `target`. Liquid never
 * evaluates data, so `{{7*7}}` inside an alert stays text; the template itself is the
 * operator's and is trusted to be markup.
 *
 * @throws TemplateError when the template does not parse or uses `raw`.
 */
export function compileTemplate(
  text: string,
  target: EscapeTarget,
  source: string,
  partials: Readonly<Record<string, string>> = {},
): CompiledTemplate {
  const engine = createEngine(target, partials);
  let parsed: Template[];
  try {
    parsed = engine.parse(text, source);
  } catch (err) {
    throw new TemplateError(`template ${source} does not parse: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return {
    source,
    render(context) {
      try {
        return String(engine.renderSync(parsed, context));
      } catch (err) {
        throw new TemplateError(`template ${source} failed to render: ${(err as Error).message}`, {
          cause: err,
        });
      }
    },
  };
}
