import type { MessageChannel, RenderedMessage } from '@herald/contracts';
import { renderEmail } from './email/render.ts';
import { buildMessageView, type MessageInput, type MessageView } from './message/view.ts';
import { renderPagerDuty } from './pagerduty/render.ts';
import { renderSlack } from './slack/render.ts';
import { renderTeams } from './teams/render.ts';
import type { TemplateSet } from './templates/set.ts';
import { renderWebhook } from './webhook/render.ts';

/** What the formatter needs of a receiver to render its message. */
export type RenderTarget =
  | { channel: 'email'; from: string; to: string[]; templates: TemplateSet }
  | { channel: Exclude<MessageChannel, 'email'>; templates: TemplateSet };

/**
 * Renders one alert for one receiver, by the receiver's channel and with its templates.
 * `view` is `input`'s: an alert's receivers can share one (it is the same for each).
 *
 * @throws RangeError for unusable configuration (an email address, the public URL).
 * @throws TemplateError when the receiver's template fails to render.
 */
export function renderMessage(
  target: RenderTarget,
  input: MessageInput,
  view: MessageView = buildMessageView(input),
): RenderedMessage {
  switch (target.channel) {
    case 'email':
      return renderEmail({ ...input, from: target.from, to: target.to }, target.templates, view);
    case 'slack':
      return renderSlack(input, target.templates, view);
    case 'teams':
      return renderTeams(input, target.templates, view);
    case 'webhook':
      return renderWebhook(input, target.templates, view);
    case 'pagerduty':
      return renderPagerDuty(input, target.templates, view);
    default: {
      const unhandled: never = target;
      throw new RangeError(`no renderer for channel ${JSON.stringify(unhandled)}`);
    }
  }
}
