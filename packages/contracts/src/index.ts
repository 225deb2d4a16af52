export {
  AgentFacts,
  AgentKind,
  AssetFacts,
  Criticality,
  EnrichmentSchema,
  MissingSource,
  type Enrichment,
} from './enrichment.ts';
export {
  AlertFamily,
  AnalysisSchema,
  GroupDigest,
  Priority,
  type Analysis,
} from './analysis.ts';
export {
  RenderedEmailSchema,
  RenderedMessageSchema,
  RenderedPagerDutySchema,
  RenderedSlackSchema,
  RenderedTeamsSchema,
  RenderedWebhookSchema,
  type RenderedEmail,
  type RenderedMessage,
} from './message.ts';
