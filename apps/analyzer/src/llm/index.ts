export { ANSWER_JSON_SCHEMA, LlmAnswerSchema, dismissesAlert, type LlmText } from './answer.ts';
export { ChatCompletionsClient, parseAnswer, type ChatClientOptions } from './client.ts';
export { LlmError, isLlmError, type LlmErrorCode, type LlmErrorDetails } from './errors.ts';
export {
  LlmExplainer,
  textCacheKey,
  type LlmExplainerOptions,
  type LlmInput,
  type LlmOutcome,
  type LlmOutcomeEvent,
  type TextModel,
} from './explainer.ts';
export { buildMessages, type ChatMessage, type PromptInput } from './prompt.ts';
export { DEFAULT_REDACTED_FIELDS, REDACTED, redactAlert } from './redact.ts';
export { LlmSharedState, type LlmSharedStateOptions } from './shared-state.ts';
