import { createHash } from 'node:crypto';
import type { WazuhAlert } from './alert.ts';

/** JSON with object keys sorted at every depth, so equal alerts hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The manager that raised an alert: its cluster node when clustered, else its name. */
export function alertOrigin(alert: WazuhAlert): string | undefined {
  return alert.cluster?.node ?? alert.manager?.name;
}

/**
 * Herald's identity for an alert: a manager posting the same alert twice gets one alert.
 * A Wazuh `id` is unique per manager only, so it is prefixed with the manager (or cluster
 * node). An alert without an `id` is identified by a hash of its content.
 */
export function alertIdentity(alert: WazuhAlert): string {
  if (alert.id) {
    return `wazuh:${alertOrigin(alert) ?? '(unknown manager)'}:${alert.id}`;
  }
  return `sha256:${createHash('sha256').update(canonicalJson(alert)).digest('hex')}`;
}
