import type { OutgoingEmail } from './types.ts';
import { InvalidEmailError } from './errors.ts';

/** The message fields both transports hand to nodemailer. */
export interface ComposedEmail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
  date: Date;
  /** Message content is data: nodemailer must never read a file or URL named in it. */
  disableFileAccess: true;
  disableUrlAccess: true;
  /**
   * Text parts and encoded words in base64, chosen rather than detected: nodemailer's
   * detection and its quoted-printable encoder were a tenth of the sender's CPU.
   */
  textEncoding: 'base64';
}

const LINE_BREAK = /[\r\n]/;
const EXTRA_HEADER_NAME = /^X-[A-Za-z0-9-]+$/;
const MESSAGE_ID = /^<?([\x21-\x3B\x3D\x3F-\x7E]+@[\x21-\x3B\x3D\x3F-\x7E]+)>?$/;

/**
 * `<local@domain>` for a Message-ID given with or without its angle brackets; throws
 * InvalidEmailError for anything else (spaces, brackets inside, no `@`).
 */
export function normalizeMessageId(messageId: string): string {
  const match = MESSAGE_ID.exec(messageId);
  if (!match) {
    throw new InvalidEmailError(`not a usable Message-ID: ${JSON.stringify(messageId)}`);
  }
  return `<${match[1]}>`;
}

/**
 * Checks what the formatter promised (one-line subject, X-* headers with one-line values)
 * once more at the point where a broken value would become a header, and builds the
 * nodemailer message fields.
 */
export function composeEmail(message: OutgoingEmail, date: Date): ComposedEmail {
  if (message.to.length === 0) {
    throw new InvalidEmailError('the message has no recipients');
  }
  if (LINE_BREAK.test(message.subject)) {
    throw new InvalidEmailError('the subject contains a line break');
  }
  for (const address of [message.from, ...message.to]) {
    if (LINE_BREAK.test(address)) {
      throw new InvalidEmailError('an address contains a line break');
    }
  }
  for (const [name, value] of Object.entries(message.headers)) {
    if (!EXTRA_HEADER_NAME.test(name)) {
      throw new InvalidEmailError(`extra headers must be X-* headers, got ${JSON.stringify(name)}`);
    }
    if (LINE_BREAK.test(value)) {
      throw new InvalidEmailError(`header ${name} contains a line break`);
    }
  }

  return {
    from: message.from,
    to: [...message.to],
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: normalizeMessageId(message.messageId),
    headers: { ...message.headers },
    date,
    disableFileAccess: true,
    disableUrlAccess: true,
    textEncoding: 'base64',
  };
}
