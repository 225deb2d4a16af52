// Test helper (imported only by *.test.ts): every channel rendered with Herald's default
// templates, or with a folder of templates a test wrote.
import type { MessageChannel, RenderedMessage } from '@herald/contracts';
import type { MessageInput } from './message/view.ts';
import { renderMessage, type RenderTarget } from './render.ts';
import { loadTemplateSet } from './templates/set.ts';

export const CHANNELS: readonly MessageChannel[] = [
  'email',
  'slack',
  'teams',
  'webhook',
  'pagerduty',
];

/** A render target of `channel`, with Herald's defaults or the templates at `override`. */
export function targetFor(channel: MessageChannel, override?: string): RenderTarget {
  const templates = loadTemplateSet(channel, override);
  return channel === 'email'
    ? { channel, from: 'herald@example.com', to: ['soc@example.com'], templates }
    : { channel, templates };
}

export function renderFor(
  channel: MessageChannel,
  input: MessageInput,
  override?: string,
): RenderedMessage {
  return renderMessage(targetFor(channel, override), input);
}

/** Every string anywhere in a JSON value, with its JSON pointer. */
export function stringsOf(value: unknown, pointer = ''): [pointer: string, text: string][] {
  if (typeof value === 'string') {
    return [[pointer, value]];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => stringsOf(item, `${pointer}/${index}`));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, member]) => stringsOf(member, `${pointer}/${key}`));
  }
  return [];
}
