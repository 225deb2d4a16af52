export {
  renderEmail,
  SUBJECT_MAX_CHARS,
  TRUNCATION_MARKER,
  type EmailInput,
} from './email/index.ts';
export type { MessageInput } from './message/view.ts';
export { renderMessage, type RenderTarget } from './render.ts';
export {
  receiversFromConfig,
  messageKey,
  type Receiver,
  type ReceiverDirectory,
} from './receivers.ts';
export {
  renderPagerDuty,
  pagerDutyDedupKey,
  PAGERDUTY_LIMITS,
  PAGERDUTY_SEVERITY,
} from './pagerduty/render.ts';
export { renderSlack, SLACK_LIMITS } from './slack/render.ts';
export { renderTeams, TEAMS_MAX_BYTES } from './teams/render.ts';
export { renderWebhook, WEBHOOK_SCHEMA } from './webhook/render.ts';
export {
  compileTemplate,
  type CompiledTemplate,
  type TemplateContext,
} from './templates/engine.ts';
export { TemplateError, isTemplateError } from './templates/errors.ts';
export { escapeMarkdown, escapeSlack, type EscapeTarget } from './templates/escape.ts';
export { MAIN_PART, TEMPLATE_PARTS } from './templates/parts.ts';
export { DEFAULT_TEMPLATE_DIR, loadTemplateSet, type TemplateSet } from './templates/set.ts';
