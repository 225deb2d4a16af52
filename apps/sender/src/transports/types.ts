import type { RenderedEmail } from '@herald/contracts';

/**
 * A rendered email ready to go out. `messageId` is stable per alert and receiver (e.g.
 * `<alertId.receiver@herald>`), so a resend after a crash carries the same Message-ID and
 * lands in the same mailbox file.
 */
export type OutgoingEmail = RenderedEmail & { messageId: string };

/** Proof that a transport took a message, stored as the delivery's receipt. */
export interface EmailReceipt {
  transport: 'smtp' | 'mailbox';
  /** The Message-ID the message went out with, in angle brackets. */
  messageId: string;
  /** The server's final reply (SMTP), or `written` (mailbox). */
  response: string;
  /** ISO 8601 time the transport accepted the message. */
  acceptedAt: string;
  /** Recipients the server accepted. */
  accepted?: string[];
  /** Recipients the server refused while accepting the message for the others. */
  rejected?: string[];
  /** The file the message was written to (mailbox). */
  path?: string;
}

/** Delivers rendered emails somewhere: an SMTP server, or a folder of `.eml` files. */
export interface EmailTransport {
  /**
   * Sends one message. Rejects with the transport's error class, which says whether a
   * retry can help (`retryable`) and whether the failure says anything about the
   * destination's health (`breakerOutcome`). Aborting `signal` ends the attempt.
   */
  send(message: OutgoingEmail, signal: AbortSignal): Promise<EmailReceipt>;
  /** Checks the configuration against the destination (connects, authenticates). */
  verify?(): Promise<void>;
  /** Releases connections; idempotent. */
  close(): Promise<void>;
}
