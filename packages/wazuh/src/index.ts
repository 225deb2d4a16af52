export {
  WazuhAlertSchema,
  parseWazuhTimestamp,
  validateAlert,
  type AlertFieldError,
  type AlertValidation,
  type WazuhAlert,
} from './alert.ts';
export { alertIdentity, alertOrigin } from './identity.ts';
