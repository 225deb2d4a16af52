import { z } from 'zod';
import { RouteConditionSchema, isFieldPath, type RouteCondition } from './conditions.ts';
import { Duration } from './duration.ts';

/** How the grouping stage batches repeats for one receiver (Alertmanager's meaning). */
export interface GroupingSettings {
  /** Dotted field paths (matcher namespace) whose values together form the group key. */
  readonly groupBy: readonly string[];
  /** How long the first alert of a new group waits for company; 0 sends it at once. */
  readonly groupWaitMs: number;
  /** How often a group that keeps receiving alerts sends a digest of them. */
  readonly groupIntervalMs: number;
  /** After how long a group that got nothing new notifies again. */
  readonly repeatIntervalMs: number;
}

/** What the root route gets when the file says nothing about grouping. */
export const DEFAULT_GROUPING: GroupingSettings = Object.freeze({
  // A missing source IP reads as empty, so alerts without one group by rule and agent alone.
  groupBy: Object.freeze(['rule.id', 'agent.id', 'data.srcip']),
  groupWaitMs: 0, // the first alert of a group goes out at once
  groupIntervalMs: 300_000, // 5 min
  repeatIntervalMs: 14_400_000, // 4 h
});

/**
 * The longest group wait, group interval or repeat interval: the grouping tables hold them as
 * 32-bit milliseconds, and a longer one (`repeat_interval: 30d`) would fail every batch of the
 * analyzer that touches the group instead of failing here, at start, with the line.
 */
export const MAX_GROUPING_MS = 2_147_483_647; // 24 days 20 h

const GroupingDuration = Duration.refine(
  (ms) => ms <= MAX_GROUPING_MS,
  'must be at most 24d (the longest the grouping stage can wait)',
);

const FieldPath = z.string().refine(isFieldPath, 'is not a field path (e.g. rule.id, agent.name)');

/** Field paths, or `['...']` as in Alertmanager: no two alerts share a group (grouping off). */
const GroupBy = z.union([z.tuple([z.literal('...')]), z.array(FieldPath).min(1)]);

/** A route as written in the file. Children inherit what they leave out. */
export interface RawRoute {
  name?: string | undefined;
  receiver?: string | undefined;
  matchers?: RouteCondition[] | undefined;
  continue?: boolean | undefined;
  group_by?: string[] | undefined;
  group_wait?: number | undefined;
  group_interval?: number | undefined;
  repeat_interval?: number | undefined;
  active_time_intervals?: string[] | undefined;
  mute_time_intervals?: string[] | undefined;
  routes?: RawRoute[] | undefined;
}

export const RawRouteSchema: z.ZodType<RawRoute, unknown> = z.lazy(() =>
  z.strictObject({
    /** A label for explanations (`pci-compliance`); the path is used when absent. */
    name: z.string().min(1).optional(),
    receiver: z.string().min(1).optional(),
    matchers: z.array(RouteConditionSchema).optional(),
    continue: z.boolean().optional(),
    group_by: GroupBy.optional(),
    group_wait: GroupingDuration.optional(),
    group_interval: GroupingDuration.optional(),
    repeat_interval: GroupingDuration.optional(),
    active_time_intervals: z.array(z.string().min(1)).optional(),
    mute_time_intervals: z.array(z.string().min(1)).optional(),
    routes: z.array(RawRouteSchema).optional(),
  }),
);

/** A route with everything it inherits filled in. */
export interface RouteNode {
  /** Where it is in the file: `route`, `route.routes[1].routes[0]`. */
  readonly path: string;
  readonly name?: string;
  /** Absent only on a root that names none: alerts that end there reach nobody. */
  readonly receiver?: string;
  readonly conditions: readonly RouteCondition[];
  /** Whether siblings after this route are still tried once it matched. */
  readonly continue: boolean;
  readonly grouping: GroupingSettings;
  /** Names of time intervals: the route notifies only inside one of them (when any given). */
  readonly activeTimeIntervals: readonly string[];
  /** Names of time intervals: the route matches but notifies nobody inside any of them. */
  readonly muteTimeIntervals: readonly string[];
  readonly routes: readonly RouteNode[];
}

/**
 * Fills in what each route inherits from its parent: the receiver and the grouping settings.
 * Matchers, continue and time intervals belong to the route they are written on.
 */
export function buildRouteTree(
  raw: RawRoute,
  parent: { receiver?: string | undefined; grouping: GroupingSettings },
  path = 'route',
): RouteNode {
  const grouping: GroupingSettings = {
    groupBy: raw.group_by ?? parent.grouping.groupBy,
    groupWaitMs: raw.group_wait ?? parent.grouping.groupWaitMs,
    groupIntervalMs: raw.group_interval ?? parent.grouping.groupIntervalMs,
    repeatIntervalMs: raw.repeat_interval ?? parent.grouping.repeatIntervalMs,
  };
  const receiver = raw.receiver ?? parent.receiver;
  return {
    path,
    ...(raw.name ? { name: raw.name } : {}),
    ...(receiver !== undefined ? { receiver } : {}),
    conditions: raw.matchers ?? [],
    continue: raw.continue ?? false,
    grouping,
    activeTimeIntervals: raw.active_time_intervals ?? [],
    muteTimeIntervals: raw.mute_time_intervals ?? [],
    routes: (raw.routes ?? []).map((child, index) =>
      buildRouteTree(child, { receiver, grouping }, `${path}.routes[${index}]`),
    ),
  };
}
