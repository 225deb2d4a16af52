import type { Enrichment } from '@herald/contracts';
import { findAsset, type Inventory } from '@herald/config';

/**
 * Adds the inventory's word on the machine (criticality, owner, team, tags) to an enrichment.
 * Runs after the Wazuh API lookup, so entries that match on agent groups see them. An agent no
 * entry is about keeps no `asset`, and `inventory` is then not listed among the sources.
 */
export function applyInventory(enrichment: Enrichment, inventory: Inventory): Enrichment {
  const match = findAsset(inventory, enrichment.agent);
  if (!match) {
    return enrichment;
  }
  return { ...enrichment, asset: match.asset, sources: [...enrichment.sources, 'inventory'] };
}
