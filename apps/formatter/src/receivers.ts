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
 * The Message-ID of one alert's message to one receiver: stable across retries and
 * restarts, so a message sent twice is recognisably the same message.
 */
export function messageKey(alertId: string, receiver: string): string {
  const safeReceiver = receiver.replace(/[^A-Za-z0-9_.-]/g, '-');
  return `<${alertId}.${safeReceiver}@herald>`;
}
