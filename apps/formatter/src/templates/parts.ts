import type { MessageChannel } from '@herald/contracts';
import type { EscapeTarget } from './escape.ts';

/**
 * The parts of a message an operator may template, per channel, and what each part's
 * output is written in (which decides how values are escaped). Everything else of a
 * message, and every JSON document, is built by code around these strings.
 */
export const TEMPLATE_PARTS = {
  email: { subject: 'text', text: 'text', html: 'html' },
  slack: { title: 'text', body: 'slack' },
  teams: { title: 'markdown', body: 'markdown' },
  webhook: { title: 'text', body: 'text' },
  pagerduty: { summary: 'text' },
} as const satisfies Record<MessageChannel, Record<string, EscapeTarget>>;

/** The part a receiver's `template:` names when it is one file rather than a folder. */
export const MAIN_PART: Record<MessageChannel, string> = {
  email: 'html',
  slack: 'body',
  teams: 'body',
  webhook: 'body',
  pagerduty: 'summary',
};

/** The parts of `channel`, with their escape targets. */
export function partsOf(channel: MessageChannel): Readonly<Record<string, EscapeTarget>> {
  return TEMPLATE_PARTS[channel];
}
