export { Duration, parseDuration } from './duration.ts';
export {
  EmailDestination,
  PagerDutyDestination,
  RateLimit,
  ReceiverSchema,
  SlackDestination,
  TeamsDestination,
  WebhookDestination,
  channelOf,
  type Channel,
  type ReceiverConfig,
} from './receivers.ts';
export {
  InvalidMatcherError,
  MatcherObject,
  MatcherSchema,
  fieldValues,
  formatMatcher,
  holdsWithoutFields,
  isInvalidMatcherError,
  matcherFromObject,
  matcherToObject,
  matches,
  matchesAll,
  parseMatcher,
  type MatchOperator,
  type MatchSubject,
  type Matcher,
} from './matchers.ts';
export { ConfigFileError, formatIssue, isConfigFileError, type ConfigIssue } from './errors.ts';
export { loadConfig, parseConfig, type ConfigOptions, type HeraldConfig } from './config.ts';
export { configFromEnv } from './from-env.ts';
export { groupingFromEnv } from './grouping-env.ts';
export type { EnvSource } from './interpolate.ts';
export {
  DEFAULT_GROUPING,
  MAX_GROUPING_MS,
  type GroupingSettings,
  type RouteNode,
} from './route-tree.ts';
export {
  evaluateCondition,
  formatRouteCondition,
  parseRouteCondition,
  type NumericCondition,
  type RouteCondition,
} from './conditions.ts';
export { intervalHolds, type TimeInterval } from './time-intervals.ts';
export {
  routeAlert,
  type MutedRoute,
  type RoutedReceiver,
  type RoutingResult,
} from './route-alert.ts';
export {
  findAsset,
  loadInventory,
  parseInventory,
  type AssetRecord,
  type Inventory,
  type InventoryAgent,
  type InventoryMatch,
} from './inventory.ts';
