import type { Enrichment } from '@herald/contracts';
import type { WazuhAlert } from '@herald/wazuh';

/** Agent id of the manager itself: alerts it raises about its own host. */
export const MANAGER_AGENT_ID = '000';

/**
 * What the alert itself says about its source, with no lookups: the floor every
 * enrichment starts from, and all there is when the Wazuh API is off or down.
 */
export function enrichFromAlert(alert: WazuhAlert): Enrichment {
  if (!alert.agent) {
    const host = alert.agentless?.host;
    return {
      kind: alert.agentless ? 'agentless' : 'unknown',
      agent: host ? { name: host } : {},
      sources: ['alert'],
      missing: [],
    };
  }
  const { id, name, ip } = alert.agent;
  return {
    kind: id === MANAGER_AGENT_ID ? 'manager' : 'agent',
    agent: {
      ...(id ? { id } : {}),
      ...(name ? { name } : {}),
      ...(ip ? { ip } : {}),
      ...(alert.cluster?.node ? { node: alert.cluster.node } : {}),
    },
    sources: ['alert'],
    missing: [],
  };
}
