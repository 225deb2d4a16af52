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
