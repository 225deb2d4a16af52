import { ConfigFileSchema, type ConfigFileInput } from './config-schema.ts';
import type { HeraldConfig } from './config.ts';
import { ConfigFileError } from './errors.ts';
import type { EnvSource } from './interpolate.ts';
import { groupingFromEnv } from './grouping-env.ts';
import { buildRouteTree } from './route-tree.ts';

const DEFAULTS = {
  HERALD_DEFAULT_RECEIVER: 'default',
  HERALD_MAIL_FROM: 'Herald <herald@localhost>',
  HERALD_MAIL_TO: 'soc@localhost',
  HERALD_NOTIFY_MIN_LEVEL: '0',
};

// Which variable each part of the built config came from, for error messages.
const VARIABLE_OF: Record<string, string> = {
  'receivers.0.name': 'HERALD_DEFAULT_RECEIVER',
  'receivers.0.email.from': 'HERALD_MAIL_FROM',
  'receivers.0.email.to': 'HERALD_MAIL_TO',
  'route.routes.0.matchers.0': 'HERALD_NOTIFY_MIN_LEVEL',
};

function read(env: EnvSource, name: keyof typeof DEFAULTS): string {
  const value = env[name]?.trim();
  return value ? value : DEFAULTS[name];
}

/**
 * The installation without a config file, from the variables Herald had before one existed:
 * one email receiver (HERALD_DEFAULT_RECEIVER, mail from HERALD_MAIL_FROM to the
 * comma-separated HERALD_MAIL_TO) that gets every alert at or above HERALD_NOTIFY_MIN_LEVEL;
 * alerts below it reach nobody. Grouping comes from {@link groupingFromEnv}.
 *
 * @throws ConfigFileError (file `environment`) naming the variable that is wrong.
 */
export function configFromEnv(env: EnvSource): HeraldConfig {
  const receiver = read(env, 'HERALD_DEFAULT_RECEIVER');
  const minLevel = read(env, 'HERALD_NOTIFY_MIN_LEVEL');
  const problems: string[] = [];
  if (!/^\d{1,2}$/.test(minLevel) || Number(minLevel) > 16) {
    problems.push(
      `HERALD_NOTIFY_MIN_LEVEL: must be a whole number from 0 to 16 (got '${minLevel}')`,
    );
  }
  const input: ConfigFileInput = {
    receivers: [
      {
        name: receiver,
        email: {
          from: read(env, 'HERALD_MAIL_FROM'),
          to: read(env, 'HERALD_MAIL_TO')
            .split(',')
            .map((address) => address.trim())
            .filter(Boolean),
        },
      },
    ],
    // Level 0 keeps every alert, so the tree needs no level route at all.
    route:
      Number(minLevel) > 0
        ? {
            routes: [
              { name: 'notify-min-level', receiver, matchers: [`rule.level>=${Number(minLevel)}`] },
            ],
          }
        : { receiver },
  };
  const parsed = ConfigFileSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const at = issue.path.join('.');
      const variable =
        Object.entries(VARIABLE_OF).find(([prefix]) => at.startsWith(prefix))?.[1] ?? at;
      problems.push(`${variable}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigFileError(
      [...new Set(problems)].map((problem) => ({
        file: 'environment',
        line: 0,
        column: 0,
        path: '',
        message: problem,
      })),
    );
  }
  return {
    source: 'environment',
    receivers: parsed.data.receivers,
    route: buildRouteTree(parsed.data.route, { grouping: groupingFromEnv(env) }),
    timeIntervals: new Map(),
  };
}
