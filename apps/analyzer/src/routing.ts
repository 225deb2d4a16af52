import {
  configFromEnv,
  groupingFromEnv,
  loadConfig,
  routeAlert as walkRoutingTree,
  type EnvSource,
  type GroupingSettings,
  type HeraldConfig,
} from '@herald/config';
import type { Analysis, Enrichment } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';

/** The one-receiver routing of an installation without a config file (and of many tests). */
export interface SingleReceiverRules {
  /** Rule levels below this reach nobody. */
  minLevel: number;
  defaultReceiver: string;
}

/** What the analyzer routes with: the config file's tree, or the single-receiver form. */
export type RoutingRules = HeraldConfig | SingleReceiverRules;

/** A receiver the routing tree reached, with its route's grouping settings. */
export interface ReachedReceiver {
  name: string;
  /** Absent for single-receiver rules: the grouper's own defaults apply. */
  grouping?: GroupingSettings;
}

export interface RouteDecision {
  /** Names of the receivers reached, in the tree's order. */
  receivers: string[];
  reached: ReachedReceiver[];
  /** Stored on the analysis: which route sent it where and why. */
  routing: NonNullable<Analysis['routing']>;
  /** Why nobody is told, when `receivers` is empty. */
  reason?: string;
}

/** Routes analysed alerts with one set of rules. */
export interface Router {
  /**
   * Who gets a message about an analysed alert, and why: the routing tree walked with the
   * alert, its enrichment and its analysis (so routes may match `analysis.priority`); `now`
   * decides the routes' time intervals.
   */
  route(
    alert: WazuhAlert,
    enrichment: Enrichment,
    analysis: Omit<Analysis, 'receivers'>,
    now: Date,
  ): RouteDecision;
}

/** A router for `rules`, whose tree is built once. */
export function createRouter(rules: RoutingRules): Router {
  const fromTree = 'route' in rules;
  const config = fromTree
    ? rules
    : configFromEnv({
        HERALD_NOTIFY_MIN_LEVEL: String(rules.minLevel),
        HERALD_DEFAULT_RECEIVER: rules.defaultReceiver,
      });
  return {
    route(alert, enrichment, analysis, now) {
      const result = walkRoutingTree(config, alert, enrichment, now, analysis);
      return {
        receivers: result.receivers.map((receiver) => receiver.name),
        reached: result.receivers.map(({ name, grouping }) =>
          fromTree ? { name, grouping } : { name },
        ),
        routing: {
          receivers: result.receivers.map(({ name, route, why }) => ({
            name,
            route,
            why: [...why],
          })),
          muted: result.muted.map((muted) => ({ ...muted })),
          ...(result.reason ? { reason: result.reason } : {}),
        },
        ...(result.reason ? { reason: result.reason } : {}),
      };
    },
  };
}

/**
 * The routing the analyzer starts with: the file HERALD_CONFIG names, else the environment's
 * single receiver. `env` also supplies the file's `${VAR}` references and the grouping of
 * routes that set none (HERALD_GROUP_BY, HERALD_GROUP_WAIT...).
 *
 * @throws ConfigFileError naming file, line and column of every problem.
 */
export async function loadRoutingConfig(
  file: string | undefined,
  env: EnvSource,
): Promise<HeraldConfig> {
  return file
    ? loadConfig(file, { env, defaultGrouping: groupingFromEnv(env) })
    : configFromEnv(env);
}
