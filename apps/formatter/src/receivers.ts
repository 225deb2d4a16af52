/** Where a receiver's messages go, and in what form. */
export interface EmailReceiver {
  name: string;
  channel: 'email';
  from: string;
  to: string[];
}

export type Receiver = EmailReceiver;

/** The receivers this formatter knows, by name. */
export type ReceiverDirectory = ReadonlyMap<string, Receiver>;

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
