import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MessageChannel } from '@herald/contracts';
import type { MessageView } from '../message/view.ts';
import { compileTemplate, type CompiledTemplate, type TemplateContext } from './engine.ts';
import { TemplateError } from './errors.ts';
import { MAIN_PART, partsOf } from './parts.ts';

/** A receiver's templates: each part of its channel, from its own files or Herald's defaults. */
export interface TemplateSet {
  channel: MessageChannel;
  parts: ReadonlyMap<string, CompiledTemplate>;
}

/** Herald's shipped templates: `apps/formatter/templates/<channel>/<part>.liquid`. */
export const DEFAULT_TEMPLATE_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

const EXTENSION = '.liquid';

function readTemplate(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new TemplateError(`template ${file} cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** `<part>.liquid` files of a folder by part name; `_name.liquid` files are partials. */
function readFolder(dir: string): { parts: Map<string, string>; partials: Record<string, string> } {
  const parts = new Map<string, string>();
  const partials: Record<string, string> = {};
  for (const entry of readdirSync(dir)) {
    if (!entry.endsWith(EXTENSION)) {
      continue;
    }
    const name = entry.slice(0, -EXTENSION.length);
    const file = path.join(dir, entry);
    if (name.startsWith('_')) {
      partials[name] = readTemplate(file);
    } else {
      parts.set(name, file);
    }
  }
  return { parts, partials };
}

function isFolder(target: string): boolean {
  try {
    return statSync(target).isDirectory();
  } catch (err) {
    throw new TemplateError(`template ${target} cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * The templates of one receiver of `channel`. `override` (the receiver's `template:`) is a
 * file, which replaces the channel's main part, or a folder of `<part>.liquid` files, each
 * replacing that part (`_name.liquid` files are partials for `{% render '_name' %}`).
 * Parts without an override use Herald's defaults; a part with neither renders in code.
 *
 * @throws TemplateError for an unreadable or unparsable file, or a file naming no part.
 */
export function loadTemplateSet(
  channel: MessageChannel,
  override?: string,
  options: { defaultsDir?: string } = {},
): TemplateSet {
  const targets = partsOf(channel);
  const compiled = new Map<string, CompiledTemplate>();
  const defaultsDir = path.join(options.defaultsDir ?? DEFAULT_TEMPLATE_DIR, channel);
  const defaults = existsSync(defaultsDir)
    ? readFolder(defaultsDir)
    : { parts: new Map<string, string>(), partials: {} };
  for (const [part, file] of defaults.parts) {
    const target = targets[part];
    if (target) {
      compiled.set(part, compileTemplate(readTemplate(file), target, file, defaults.partials));
    }
  }
  if (override === undefined) {
    return { channel, parts: compiled };
  }

  if (!isFolder(override)) {
    const part = MAIN_PART[channel];
    compiled.set(part, compileTemplate(readTemplate(override), targets[part] ?? 'text', override));
    return { channel, parts: compiled };
  }
  const folder = readFolder(override);
  for (const [part, file] of folder.parts) {
    const target = targets[part];
    if (!target) {
      const known = Object.keys(targets)
        .map((name) => `${name}${EXTENSION}`)
        .join(', ');
      throw new TemplateError(`template ${file} names no part of a ${channel} message (${known})`);
    }
    compiled.set(part, compileTemplate(readTemplate(file), target, file, folder.partials));
  }
  return { channel, parts: compiled };
}

/** The view as templates see it: every field present, absent ones null. */
export function templateContext(view: MessageView, extra: TemplateContext = {}): TemplateContext {
  return {
    ...extra,
    ...view,
    asset: view.asset ?? null,
    location: view.location ?? null,
    logExcerpt: view.logExcerpt ?? null,
    alertUrl: view.alertUrl ?? null,
    group: view.group ?? null,
  };
}

/** The part rendered by the receiver's template, or undefined when the code's default applies. */
export function renderPart(
  set: TemplateSet,
  part: string,
  view: MessageView,
  extra: TemplateContext = {},
): string | undefined {
  return set.parts.get(part)?.render(templateContext(view, extra));
}
