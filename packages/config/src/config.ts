import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigFileSchema } from './config-schema.ts';
import { ConfigFileError } from './errors.ts';
import { interpolateEnv, type EnvSource } from './interpolate.ts';
import type { ReceiverConfig } from './receivers.ts';
import {
  DEFAULT_GROUPING,
  buildRouteTree,
  type GroupingSettings,
  type RouteNode,
} from './route-tree.ts';
import type { TimeInterval } from './time-intervals.ts';
import { parseYamlSource } from './yaml-source.ts';
import { issuesFromZod } from './zod-issues.ts';

/** One installation's configuration, validated, with inheritance filled in. */
export interface HeraldConfig {
  /** The file it was read from, or `environment` for configFromEnv. */
  readonly source: string;
  readonly receivers: readonly ReceiverConfig[];
  /** The routing tree's root. */
  readonly route: RouteNode;
  readonly timeIntervals: ReadonlyMap<string, TimeInterval>;
  /** Absolute path of the asset inventory, when one is configured. */
  readonly inventory?: string;
}

/** Options of {@link parseConfig} and {@link loadConfig}. */
export interface ConfigOptions {
  /** Where `${VAR}` references are read from (a service passes process.env). */
  env: EnvSource;
  /** Folder relative paths resolve against; defaults to the config file's folder. */
  baseDir?: string;
  /** Grouping the root route inherits where the file sets none (see groupingFromEnv). */
  defaultGrouping?: GroupingSettings;
}

function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/**
 * Validates config text. `file` names the file in error messages and, unless `baseDir` is
 * given, is where relative paths (templates, inventory) are resolved from.
 *
 * @throws ConfigFileError listing every problem, each with file, line, column and path.
 */
export function parseConfig(text: string, file: string, options: ConfigOptions): HeraldConfig {
  const source = parseYamlSource(text, file);
  const { value, issues } = interpolateEnv(source, options.env);
  if (issues.length > 0) {
    throw new ConfigFileError(issues);
  }
  const parsed = ConfigFileSchema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new ConfigFileError(issuesFromZod(parsed.error, source), { cause: parsed.error });
  }
  const config = parsed.data;
  const baseDir = options.baseDir ?? dirname(resolve(file));
  const receivers = config.receivers.map((receiver) =>
    receiver.template
      ? { ...receiver, template: resolvePath(baseDir, receiver.template) }
      : receiver,
  );
  return {
    source: file,
    receivers,
    route: buildRouteTree(config.route, { grouping: options.defaultGrouping ?? DEFAULT_GROUPING }),
    timeIntervals: new Map(
      (config.time_intervals ?? []).map((interval) => [interval.name, interval]),
    ),
    ...(config.inventory ? { inventory: resolvePath(baseDir, config.inventory) } : {}),
  };
}

/**
 * Reads and validates the config file at `path` (`HERALD_CONFIG`).
 *
 * @throws ConfigFileError when the file cannot be read or is invalid; its message has one
 * `file:line:column: path: problem` line per problem.
 */
export async function loadConfig(path: string, options: ConfigOptions): Promise<HeraldConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigFileError(
      [{ file: path, line: 0, column: 0, path: '', message: `cannot read the file (${reason})` }],
      { cause: err },
    );
  }
  return parseConfig(text, path, options);
}
