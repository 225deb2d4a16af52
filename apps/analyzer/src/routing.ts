import type { WazuhAlert } from '@herald/wazuh';

export interface RoutingRules {
  /** Rule levels below this are not notified. */
  minLevel: number;
  defaultReceiver: string;
}

export interface RouteDecision {
  receivers: string[];
  /** Why nobody is told, when `receivers` is empty. */
  reason?: string;
}

/**
 * Who gets a message about an alert. For now one rule: alerts at or above the minimum
 * level go to the default receiver.
 */
export function routeAlert(alert: WazuhAlert, rules: RoutingRules): RouteDecision {
  if (alert.rule.level < rules.minLevel) {
    return {
      receivers: [],
      reason: `rule level ${alert.rule.level} is below the notification minimum ${rules.minLevel}`,
    };
  }
  return { receivers: [rules.defaultReceiver] };
}
