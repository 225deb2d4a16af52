import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { ConfigFileError, type ConfigIssue } from './errors.ts';

/** One step of a path into a parsed file: a map key or a list index. */
export type PathKey = string | number;

/** Where a value sits in its file, 1-based. */
export interface Position {
  line: number;
  column: number;
}

/** A parsed YAML file that still knows where each value came from. */
export interface YamlSource {
  file: string;
  value: unknown;
  /**
   * The position of the value at `path` (or of its key, for `which: 'key'`); when the path
   * does not exist in the file (a missing key), the position of the nearest parent that does.
   */
  locate(path: readonly PathKey[], which?: 'key' | 'value'): Position;
  /** An issue at `path`, placed by `locate`. */
  issueAt(path: readonly PathKey[], message: string, which?: 'key' | 'value'): ConfigIssue;
}

/** `route.routes[2].receiver`: the way the file's author would point at a value. */
export function formatPath(path: readonly PathKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') {
      text += `[${key}]`;
    } else {
      text += text === '' ? key : `.${key}`;
    }
  }
  return text;
}

function locateIn(
  doc: Document,
  lines: LineCounter,
  path: readonly PathKey[],
  which: 'key' | 'value',
): Position {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0] ?? 0;
  for (const [index, key] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(key),
      );
      if (!pair) break;
      const keyStart = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      const valueStart = (pair.value as { range?: [number, number, number] } | null)?.range?.[0];
      offset = (last && which === 'key' ? keyStart : (valueStart ?? keyStart)) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/**
 * Parses YAML text, keeping positions. Syntax errors (and duplicate keys, which YAML forbids
 * and which would otherwise let the second silently win) throw ConfigFileError with the line.
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems = [...doc.errors];
  if (problems.length > 0) {
    throw new ConfigFileError(
      problems.map((problem) => {
        const { line, col } = lines.linePos(problem.pos[0]);
        return {
          file,
          line,
          column: col,
          path: '',
          message: problem.message.split('\n')[0] ?? problem.code,
        };
      }),
    );
  }
  const source: YamlSource = {
    file,
    value: doc.toJS({ maxAliasCount: 100 }),
    locate: (path, which = 'value') => locateIn(doc, lines, path, which),
    issueAt: (path, message, which = 'value') => ({
      file,
      ...locateIn(doc, lines, path, which),
      path: formatPath(path),
      message,
    }),
  };
  return source;
}
