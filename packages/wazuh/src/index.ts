export {
  WazuhAlertSchema,
  parseWazuhTimestamp,
  validateAlert,
  type AlertFieldError,
  type AlertValidation,
  type WazuhAlert,
} from './alert.ts';
export { alertIdentity, alertOrigin } from './identity.ts';
export { WazuhAgentSchema, type FailedAgent, type WazuhAgent } from './agent.ts';
export { WazuhApiClient, type AgentLookup, type WazuhApiClientOptions } from './api-client.ts';
export {
  WazuhApiError,
  isWazuhApiError,
  type WazuhApiErrorCode,
  type WazuhApiErrorDetails,
} from './api-error.ts';
export type { WazuhApiGuard } from './api-transport.ts';
