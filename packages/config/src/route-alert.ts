import { evaluateCondition, formatRouteCondition } from './conditions.ts';
import type { HeraldConfig } from './config.ts';
import type { MatchSubject } from './matchers.ts';
import type { GroupingSettings, RouteNode } from './route-tree.ts';
import { intervalHolds } from './time-intervals.ts';

/** A receiver an alert reaches, with the route that sent it there and why. */
export interface RoutedReceiver {
  readonly name: string;
  /** Path of the route that matched last, e.g. `route.routes[1].routes[0]`. */
  readonly route: string;
  /** One line per route on the way down, naming the conditions that held and the values seen. */
  readonly why: readonly string[];
  /** How the grouping stage batches this receiver's messages for this alert. */
  readonly grouping: GroupingSettings;
}

/** A route that matched but sends nothing now, because of its time intervals. */
export interface MutedRoute {
  readonly route: string;
  readonly receiver?: string;
  readonly why: string;
}

/** Where an alert goes, and the explanation a reader of the alert is shown. */
export interface RoutingResult {
  readonly receivers: readonly RoutedReceiver[];
  readonly muted: readonly MutedRoute[];
  /** Why nobody is told, when `receivers` is empty. */
  readonly reason?: string;
}

function label(node: RouteNode): string {
  return node.name ? `${node.path} (${node.name})` : node.path;
}

/** Longest value quoted in an explanation, which is stored on every alert it explains. */
const SHOWN_MAX_CHARS = 120;
/** Most values of an array field quoted in an explanation. */
const SHOWN_MAX_VALUES = 10;

function shown(values: readonly string[]): string {
  const text = values
    .filter((value) => value !== '')
    .map((value) =>
      value.length > SHOWN_MAX_CHARS
        ? `${value.slice(0, SHOWN_MAX_CHARS)}… (${value.length} chars)`
        : value,
    );
  if (text.length === 0) return 'absent';
  const more = text.length - SHOWN_MAX_VALUES;
  return more > 0
    ? `${text.slice(0, SHOWN_MAX_VALUES).join(', ')} and ${more} more`
    : text.join(', ');
}

interface Evaluation {
  matched: boolean;
  /** What held, or the first condition that did not. */
  detail: string;
}

function evaluate(node: RouteNode, subject: MatchSubject): Evaluation {
  const held: string[] = [];
  for (const condition of node.conditions) {
    const { matched, values } = evaluateCondition(condition, subject);
    const name = condition.kind === 'numeric' ? condition.name : condition.matcher.name;
    if (!matched) {
      return {
        matched: false,
        detail: `${label(node)}: ${formatRouteCondition(condition)} does not hold (${name} is ${shown(values)})`,
      };
    }
    held.push(`${formatRouteCondition(condition)} (${name} is ${shown(values)})`);
  }
  return {
    matched: true,
    detail:
      held.length > 0
        ? `${label(node)}: ${held.join(', ')}`
        : `${label(node)}: matches every alert`,
  };
}

interface Reached {
  node: RouteNode;
  /** The matched routes from the root's first child down to `node`. */
  trail: string[];
  /** Children tried and not matched, when `node` is where the walk ended for want of one. */
  misses: string[];
}

// Alertmanager's walk: children are tried in order; the first that matches ends the search
// unless it says `continue`; a route none of whose children match is itself the result.
function walk(node: RouteNode, subject: MatchSubject, trail: string[]): Reached[] {
  const reached: Reached[] = [];
  const misses: string[] = [];
  for (const child of node.routes) {
    const evaluation = evaluate(child, subject);
    if (!evaluation.matched) {
      misses.push(evaluation.detail);
      continue;
    }
    reached.push(...walk(child, subject, [...trail, evaluation.detail]));
    if (!child.continue) break;
  }
  return reached.length > 0 ? reached : [{ node, trail, misses }];
}

function muting(node: RouteNode, config: HeraldConfig, now: Date): string | undefined {
  for (const name of node.muteTimeIntervals) {
    const interval = config.timeIntervals.get(name);
    if (interval && intervalHolds(interval, now)) {
      return `muted: inside mute time interval '${name}'`;
    }
  }
  if (node.activeTimeIntervals.length > 0) {
    const active = node.activeTimeIntervals.some((name) => {
      const interval = config.timeIntervals.get(name);
      return interval !== undefined && intervalHolds(interval, now);
    });
    if (!active) {
      return `muted: outside its active time intervals (${node.activeTimeIntervals.join(', ')})`;
    }
  }
  return undefined;
}

/**
 * Walks the routing tree for one alert, as Alertmanager does, and says which receivers it
 * reaches and why, or why none. `now` decides time intervals (office hours, quiet hours).
 * A receiver reached through several routes is listed once, with the first route's grouping.
 */
export function routeAlert(
  config: HeraldConfig,
  alert: unknown,
  enrichment: unknown,
  now: Date,
  analysis?: unknown,
): RoutingResult {
  const subject: MatchSubject = {
    alert,
    enrichment,
    ...(analysis === undefined ? {} : { analysis }),
  };
  const receivers = new Map<string, RoutedReceiver>();
  const muted: MutedRoute[] = [];
  const unreached: string[] = [];
  for (const { node, trail, misses } of walk(config.route, subject, [])) {
    const why =
      trail.length > 0
        ? trail
        : [
            misses.length > 0
              ? `no route matched, so the root route's receiver: ${misses.join('; ')}`
              : 'the root route: the tree has no other routes',
          ];
    const mute = muting(node, config, now);
    if (mute) {
      muted.push({
        route: node.path,
        ...(node.receiver ? { receiver: node.receiver } : {}),
        why: `${label(node)}: ${mute}`,
      });
      continue;
    }
    if (node.receiver === undefined) {
      unreached.push(
        misses.length > 0
          ? `no route matched and the root route names no receiver: ${misses.join('; ')}`
          : 'the root route names no receiver and has no other routes',
      );
      continue;
    }
    const known = receivers.get(node.receiver);
    if (known) {
      receivers.set(node.receiver, {
        ...known,
        why: [...known.why, `also reached through ${label(node)}`],
      });
      continue;
    }
    receivers.set(node.receiver, {
      name: node.receiver,
      route: node.path,
      why,
      grouping: node.grouping,
    });
  }
  const result = { receivers: [...receivers.values()], muted };
  if (result.receivers.length > 0) {
    return result;
  }
  return { ...result, reason: [...unreached, ...muted.map((route) => route.why)].join('; ') };
}
