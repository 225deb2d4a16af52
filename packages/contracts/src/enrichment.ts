import { z } from 'zod';

/** Which kind of source raised the alert. */
export const AgentKind = z.enum(['agent', 'manager', 'agentless', 'unknown']);

/** What Herald knows about the machine an alert is about. */
export const AgentFacts = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  ip: z.string().optional(),
  os: z
    .object({
      name: z.string().optional(),
      platform: z.string().optional(),
      version: z.string().optional(),
      arch: z.string().optional(),
    })
    .optional(),
  version: z.string().optional(),
  groups: z.array(z.string()).optional(),
  status: z.string().optional(),
  lastKeepAlive: z.string().optional(),
  node: z.string().optional(),
});

export const Criticality = z.enum(['low', 'medium', 'high', 'critical']);

/** The asset inventory's word on the machine: how much it matters and whose it is. */
export const AssetFacts = z.object({
  criticality: Criticality,
  owner: z.string().optional(),
  team: z.string().optional(),
  tags: z.array(z.string()).optional(),
});

/** A source the enricher could not use, and why: the alert moved on without it. */
export const MissingSource = z.object({
  source: z.string(),
  reason: z.string(),
});

/** The enricher's result, stored on the alert. */
export const EnrichmentSchema = z.object({
  kind: AgentKind,
  agent: AgentFacts,
  asset: AssetFacts.optional(),
  /** Where the facts came from: `alert`, `wazuh-api`, `inventory`. */
  sources: z.array(z.string()),
  missing: z.array(MissingSource),
});

export type Enrichment = z.infer<typeof EnrichmentSchema>;
export type AgentFacts = z.infer<typeof AgentFacts>;
export type AssetFacts = z.infer<typeof AssetFacts>;
export type Criticality = z.infer<typeof Criticality>;
