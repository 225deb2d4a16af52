import type { ConfigIssue } from './errors.ts';
import type { PathKey, YamlSource } from './yaml-source.ts';

// `$${X}` is the escape for a literal `${X}`; anything else of the form `${NAME}` is replaced.
const REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The environment `${VAR}` references are read from. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

function interpolateString(
  text: string,
  path: readonly PathKey[],
  source: YamlSource,
  env: EnvSource,
  issues: ConfigIssue[],
): string {
  return text.replace(REFERENCE, (whole, escape: string, name: string) => {
    if (escape) {
      return whole.slice(1);
    }
    if (!NAME.test(name)) {
      issues.push(
        source.issueAt(
          path,
          `'\${${name}}' is not a variable reference: write \${NAME} with letters, digits and _`,
        ),
      );
      return whole;
    }
    const value = env[name];
    // Empty counts as unset, as in the services' environment parsing: compose passes "no value" as ''.
    if (value === undefined || value === '') {
      issues.push(source.issueAt(path, `environment variable ${name} is not set`));
      return whole;
    }
    return value;
  });
}

/**
 * Replaces `${VAR}` in every string value (not in keys) with the variable's value, so secrets
 * such as webhook URLs and keys live in the environment rather than in the file. Each unset
 * variable becomes an issue at the line that names it.
 */
export function interpolateEnv(
  source: YamlSource,
  env: EnvSource,
): { value: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const walk = (value: unknown, path: PathKey[]): unknown => {
    if (typeof value === 'string') {
      return interpolateString(value, path, source, env, issues);
    }
    if (Array.isArray(value)) {
      return value.map((item, index) => walk(item, [...path, index]));
    }
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]),
      );
    }
    return value;
  };
  return { value: walk(source.value, []), issues };
}
