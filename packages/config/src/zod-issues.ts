import type { z } from 'zod';
import type { ConfigIssue } from './errors.ts';
import type { PathKey, YamlSource } from './yaml-source.ts';

type ZodIssue = z.core.$ZodIssue;

/**
 * Of a union's branches, the one the author most likely meant: the one with the fewest
 * problems. A receiver with a `slack:` block then gets Slack's errors, not "invalid input".
 */
function closestBranch(
  branches: readonly (readonly ZodIssue[])[],
): readonly ZodIssue[] | undefined {
  let best: readonly ZodIssue[] | undefined;
  for (const branch of branches) {
    if (best === undefined || branch.length < best.length) best = branch;
  }
  return best;
}

function collect(
  issue: ZodIssue,
  prefix: readonly PathKey[],
  source: YamlSource,
  out: ConfigIssue[],
): void {
  const path = [...prefix, ...(issue.path as PathKey[])];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branch = closestBranch(issue.errors);
    if (branch && branch.length > 0) {
      for (const inner of branch) collect(inner, path, source, out);
      return;
    }
  }
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) {
      out.push(source.issueAt([...path, key], `unknown key '${key}'`, 'key'));
    }
    return;
  }
  out.push(source.issueAt(path, issue.message));
}

/** zod's issues as file issues: each at the line of the value (or key) it is about. */
export function issuesFromZod(error: z.ZodError, source: YamlSource): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) collect(issue, [], source, out);
  return out;
}
