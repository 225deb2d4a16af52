import { channelOf, type ReceiverConfig } from '@herald/config';
import type { RenderTarget } from './render.ts';
import { loadTemplateSet } from './templates/set.ts';

/** A receiver as the formatter sees it: its name, channel, templates and mail addresses. */
export type Receiver = RenderTarget & { name: string };

/** The receivers this formatter knows, by name. */
export type ReceiverDirectory = ReadonlyMap<string, Receiver>;

/**
 * The receivers of the configuration, their templates loaded and parsed once, so a broken
 * template stops the formatter at start instead of failing alerts one by one.
 *
 * @throws TemplateError naming the file of a template that cannot be read or parsed.
 */
export function receiversFromConfig(
  receivers: readonly ReceiverConfig[],
  options: { mailFrom: string; defaultsDir?: string },
): ReceiverDirectory {
  const directory = new Map<string, Receiver>();
  for (const receiver of receivers) {
    const channel = channelOf(receiver);
    const templates = loadTemplateSet(channel, receiver.template, options);
    if ('email' in receiver) {
      const { from = options.mailFrom, to } = receiver.email;
      directory.set(receiver.name, { name: receiver.name, channel: 'email', from, to, templates });
    } else if (channel !== 'email') {
      directory.set(receiver.name, { name: receiver.name, channel, templates });
    }
  }
  return directory;
}

/**
 * Bytes a receiver name keeps as they are. `.` is not among them: a dot-atom (the left
 * part of a Message-ID) may not start or end with a dot nor hold two in a row. `=` is not
 * either, so `=HH` can only come from the encoding and two names never share a key.
 */
const KEPT_BYTE = /^[A-Za-z0-9_-]$/;

/** The receiver's name in the Message-ID: UTF-8 bytes outside `[A-Za-z0-9_-]` as `=HH`. */
function encodeReceiver(receiver: string): string {
  let encoded = '';
  for (const byte of Buffer.from(receiver, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += KEPT_BYTE.test(char) ? char : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/**
 * The Message-ID of one alert's message to one receiver: stable across retries and
 * restarts, so a message sent twice is recognisably the same message, and different for
 * every receiver name (`a b` and `a-b` are two receivers, so two messages).
 */
export function messageKey(alertId: string, receiver: string): string {
  return `<${alertId}.${encodeReceiver(receiver)}@herald>`;
}
