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
