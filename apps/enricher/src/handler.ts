import type { Inventory } from '@herald/config';
import type { Enrichment } from '@herald/contracts';
import type { AttemptResult, ClaimedAlert } from '@herald/db';
import type { Logger } from '@herald/runtime';
import type { StageHandler } from '@herald/stage';
import { validateAlert } from '@herald/wazuh';
import { enrichFromAlert } from './from-alert.ts';
import { applyInventory } from './inventory.ts';

/** An agent as the Wazuh server API describes it (the fields the enricher uses). */
export interface DirectoryAgent {
  id: string;
  name?: string | undefined;
  ip?: string | undefined;
  registerIP?: string | undefined;
  status?: string | undefined;
  os?: { name?: string | undefined; platform?: string | undefined; version?: string | undefined; arch?: string | undefined } | undefined;
  version?: string | undefined;
  node_name?: string | undefined;
  group?: string[] | undefined;
  lastKeepAlive?: string | undefined;
}

/** Where agent details come from: the Wazuh server API client, behind its breaker. */
export interface AgentDirectory {
  getAgents(ids: string[]): Promise<{ agents: Map<string, DirectoryAgent>; failed: { id: string; reason: string }[] }>;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Adds what the directory knows to what the alert said; the alert's values are the floor. */
function withDirectoryFacts(base: Enrichment, agent: DirectoryAgent): Enrichment {
  const os = agent.os
    ? Object.fromEntries(
        Object.entries({ name: agent.os.name, platform: agent.os.platform, version: agent.os.version, arch: agent.os.arch }).filter(
          ([, value]) => value !== undefined,
        ),
      )
    : undefined;
  const facts = {
    ...base.agent,
    ...(agent.name ? { name: agent.name } : {}),
    ...(base.agent.ip || agent.ip || agent.registerIP ? { ip: base.agent.ip ?? agent.ip ?? agent.registerIP } : {}),
    ...(os && Object.keys(os).length > 0 ? { os } : {}),
    ...(agent.version ? { version: agent.version } : {}),
    ...(agent.group ? { groups: agent.group } : {}),
    ...(agent.status ? { status: agent.status } : {}),
    ...(agent.lastKeepAlive ? { lastKeepAlive: agent.lastKeepAlive } : {}),
    ...(agent.node_name && !base.agent.node ? { node: agent.node_name } : {}),
  };
  return { ...base, agent: facts, sources: [...base.sources, 'wazuh-api'] };
}

/**
 * The enricher's work on a batch: the alert's own agent facts, plus one Wazuh API lookup
 * for all agents of the batch when a directory is configured. When the API fails, the
 * alert moves on with what it carried and says what is missing.
 */
export function createEnrichHandler({
  directory,
  inventory,
  logger,
}: {
  directory?: AgentDirectory;
  /** The config file's asset inventory: criticality, owner, team and tags per machine. */
  inventory?: Inventory;
  logger: Logger;
}): StageHandler {
  return {
    async process(alerts: readonly ClaimedAlert[]): Promise<AttemptResult[]> {
      const results: AttemptResult[] = [];
      const enriched = new Map<string, Enrichment>();
      for (const claimed of alerts) {
        const validation = validateAlert(claimed.body);
        if (!validation.ok) {
          const fields = validation.errors.map((e) => `${e.field} ${e.message}`).join('; ');
          results.push({ kind: 'fail', id: claimed.id, error: `stored alert is not a Wazuh alert: ${fields}` });
          continue;
        }
        enriched.set(claimed.id, enrichFromAlert(validation.alert));
      }

      if (directory) {
        const ids = [...new Set([...enriched.values()].map((e) => e.agent.id).filter((id): id is string => id !== undefined))];
        if (ids.length > 0) {
          try {
            const { agents, failed } = await directory.getAgents(ids);
            const failedReasons = new Map(failed.map((f) => [f.id, f.reason]));
            for (const [alertId, enrichment] of enriched) {
              const agentId = enrichment.agent.id;
              if (agentId === undefined) continue;
              const agent = agents.get(agentId);
              if (agent) {
                enriched.set(alertId, withDirectoryFacts(enrichment, agent));
              } else {
                const reason = failedReasons.get(agentId) ?? 'not in the Wazuh API answer';
                enriched.set(alertId, {
                  ...enrichment,
                  missing: [...enrichment.missing, { source: 'wazuh-api', reason: `agent ${agentId}: ${reason}` }],
                });
              }
            }
          } catch (err) {
            logger.warn({ err, agents: ids.length }, 'wazuh api unavailable, enriching from the alert alone');
            const reason = `unavailable: ${errorText(err)}`;
            for (const [alertId, enrichment] of enriched) {
              enriched.set(alertId, { ...enrichment, missing: [...enrichment.missing, { source: 'wazuh-api', reason }] });
            }
          }
        }
      }

      for (const [id, enrichment] of enriched) {
        // After the API lookup: inventory entries may match on the agent groups it gave.
        const withAsset = inventory ? applyInventory(enrichment, inventory) : enrichment;
        results.push({ kind: 'done', id, enrichment: withAsset });
      }
      return results;
    },
  };
}
