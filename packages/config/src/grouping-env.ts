import { parseDuration } from './duration.ts';
import { ConfigFileError } from './errors.ts';
import type { EnvSource } from './interpolate.ts';
import { isFieldPath } from './conditions.ts';
import { DEFAULT_GROUPING, MAX_GROUPING_MS, type GroupingSettings } from './route-tree.ts';

const DURATIONS = {
  HERALD_GROUP_WAIT: 'groupWaitMs',
  HERALD_GROUP_INTERVAL: 'groupIntervalMs',
  HERALD_REPEAT_INTERVAL: 'repeatIntervalMs',
} as const;

/**
 * The grouping an installation uses where its routes set none: HERALD_GROUP_BY (comma-separated
 * field paths), HERALD_GROUP_WAIT, HERALD_GROUP_INTERVAL and HERALD_REPEAT_INTERVAL (durations
 * such as 30s, 5m), each defaulting to {@link DEFAULT_GROUPING}. The root route of the config
 * file (or of configFromEnv) inherits it.
 *
 * @throws ConfigFileError (file `environment`) naming each variable that is wrong.
 */
export function groupingFromEnv(env: EnvSource): GroupingSettings {
  const problems: string[] = [];
  const grouping = { ...DEFAULT_GROUPING };
  const groupBy = env.HERALD_GROUP_BY?.trim();
  if (groupBy) {
    const fields = groupBy
      .split(',')
      .map((field) => field.trim())
      .filter(Boolean);
    const bad =
      fields.length === 1 && fields[0] === '...'
        ? []
        : fields.filter((field) => !isFieldPath(field));
    if (fields.length === 0 || bad.length > 0) {
      problems.push(
        `HERALD_GROUP_BY: write comma-separated field paths such as rule.id,agent.id, or ... for no grouping (got '${groupBy}')`,
      );
    }
    grouping.groupBy = fields;
  }
  for (const [name, key] of Object.entries(DURATIONS)) {
    const text = env[name]?.trim();
    if (!text) continue;
    const ms = parseDuration(text);
    if (ms === undefined) {
      problems.push(
        `${name}: '${text}' is not a duration: write a whole number and one unit of ms, s, m, h or d`,
      );
      continue;
    }
    if (ms > MAX_GROUPING_MS) {
      problems.push(`${name}: '${text}' is too long: at most 24d`);
      continue;
    }
    grouping[key] = ms;
  }
  if (problems.length > 0) {
    throw new ConfigFileError(
      problems.map((message) => ({ file: 'environment', line: 0, column: 0, path: '', message })),
    );
  }
  return grouping;
}
