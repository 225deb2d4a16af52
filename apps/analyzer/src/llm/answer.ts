import { z } from 'zod';
import { MAX_STEPS, PARAGRAPH_MAX_CHARS, STEP_MAX_CHARS } from '../analysis/explain/index.ts';

/** The text a model may write: the rest of the analysis (priority, score...) is Herald's. */
export interface LlmText {
  summary: string;
  whyItMatters: string;
  nextSteps: string[];
}

// What the model is asked for (response_format json_schema). Kept free of length keywords,
// which strict structured output does not accept everywhere; the bounds are checked below.
const AnswerShape = z.strictObject({
  summary: z.string(),
  whyItMatters: z.string(),
  nextSteps: z.array(z.string()),
});

/** The JSON schema sent as `response_format.json_schema.schema`. */
export const ANSWER_JSON_SCHEMA: Record<string, unknown> = (() => {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(AnswerShape);
  return schema;
})();

const MIN_PARAGRAPH_CHARS = 20;

// One line of plain text: the formatter escapes for each channel, but a model that answers
// with markup, links or several lines did not follow its instructions and is not trusted.
const plain = (max: number) =>
  z
    .string()
    .trim()
    .min(MIN_PARAGRAPH_CHARS, `shorter than ${MIN_PARAGRAPH_CHARS} characters`)
    .max(max, `longer than ${max} characters`)
    .refine((text) => !/[\p{Cc}\p{Cf}]/u.test(text), 'holds control or invisible characters')
    .refine((text) => !/https?:\/\/|<\/?[a-z][^>]*>|\]\(|```/i.test(text), 'holds links or markup');

/** The model's answer as Herald accepts it: the schema, and bounds the schema cannot say. */
export const LlmAnswerSchema = z.strictObject({
  summary: plain(PARAGRAPH_MAX_CHARS),
  whyItMatters: plain(PARAGRAPH_MAX_CHARS),
  nextSteps: z.array(plain(STEP_MAX_CHARS)).min(1).max(MAX_STEPS),
});

// Words that wave an alert away. The model only rewrites text, but a message that keeps
// Herald's "high" priority while its text says "benign, nothing to do" would still mislead
// the reader: such text most likely came from instructions planted in the alert.
const DISMISSAL =
  /\b(benign|harmless|false positive|safe to ignore|can be ignored|ignore (this|the) alert|no (action|response|follow-up) (is )?(needed|required|necessary))\b/i;

/** True when the text dismisses the alert, which Herald's priority says it must not. */
export function dismissesAlert(text: LlmText): boolean {
  return [text.summary, text.whyItMatters, ...text.nextSteps].some((part) => DISMISSAL.test(part));
}
