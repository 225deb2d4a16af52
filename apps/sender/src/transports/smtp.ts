import { readFileSync } from 'node:fs';
import nodemailer, { type SMTPTransportOptions, type Transporter } from 'nodemailer';
import type { SMTPSentMessageInfo } from 'nodemailer';
import { composeEmail } from './compose.ts';
import { toSmtpSendError, transportClosedError } from './smtp-errors.ts';
import type { EmailReceipt, EmailTransport, OutgoingEmail } from './types.ts';

/**
 * - `none`: plain SMTP, STARTTLS ignored even when offered (a local relay).
 * - `starttls`: connect plain, then STARTTLS is required; no plaintext fallback (587).
 * - `tls`: TLS from the first byte, "implicit TLS" (465).
 */
export type SmtpSecurity = 'none' | 'starttls' | 'tls';

export interface SmtpTransportOptions {
  host: string;
  /** Defaults by security: 465 for `tls`, 587 for `starttls`, 25 for `none`. */
  port?: number;
  security: SmtpSecurity;
  auth?: { user: string; pass: string };
  /** SASL mechanism; by default the best one the server offers. */
  authMethod?: 'PLAIN' | 'LOGIN';
  /** PEM file of the CA (or self-signed certificate) to trust for the server. */
  caFile?: string;
  /** `false` turns off certificate verification: an explicit, logged opt-out. */
  rejectUnauthorized?: boolean;
  /** Name to verify the certificate against (SNI), when `host` is an IP address. */
  servername?: string;
  /** The name this client gives in EHLO; nodemailer uses the machine's hostname otherwise. */
  clientName?: string;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  /** Inactivity on an open connection, including a server stalling mid-reply. */
  socketTimeoutMs?: number;
  now?: () => Date;
}

const DEFAULTS = {
  connectionTimeoutMs: 10_000, // 10 s
  greetingTimeoutMs: 10_000, // 10 s
  socketTimeoutMs: 60_000, // 60 s
  rejectUnauthorized: true,
  now: () => new Date(),
};

const DEFAULT_PORTS: Record<SmtpSecurity, number> = { tls: 465, starttls: 587, none: 25 };

function checkOptions(options: SmtpTransportOptions & typeof DEFAULTS): void {
  if (options.host.trim() === '') {
    throw new RangeError(`SMTP host must not be empty, got ${JSON.stringify(options.host)}`);
  }
  if (!Object.hasOwn(DEFAULT_PORTS, options.security)) {
    throw new RangeError(`SMTP security must be none, starttls or tls, got ${options.security}`);
  }
  if (
    options.port !== undefined &&
    !(Number.isInteger(options.port) && options.port > 0 && options.port < 65_536)
  ) {
    throw new RangeError(`SMTP port must be 1-65535, got ${options.port}`);
  }
  for (const key of ['connectionTimeoutMs', 'greetingTimeoutMs', 'socketTimeoutMs'] as const) {
    if (!(Number.isFinite(options[key]) && options[key] > 0)) {
      throw new RangeError(`${key} must be a positive number of ms, got ${options[key]}`);
    }
  }
}

function nodemailerOptions(options: SmtpTransportOptions & typeof DEFAULTS): SMTPTransportOptions {
  return {
    host: options.host,
    port: options.port ?? DEFAULT_PORTS[options.security],
    secure: options.security === 'tls',
    requireTLS: options.security === 'starttls',
    ignoreTLS: options.security === 'none',
    ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
    ...(options.authMethod ? { authMethod: options.authMethod } : {}),
    ...(options.clientName ? { name: options.clientName } : {}),
    tls: {
      rejectUnauthorized: options.rejectUnauthorized,
      minVersion: 'TLSv1.2',
      ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
      ...(options.servername ? { servername: options.servername } : {}),
    },
    connectionTimeout: options.connectionTimeoutMs,
    greetingTimeout: options.greetingTimeoutMs,
    socketTimeout: options.socketTimeoutMs,
    dnsTimeout: options.connectionTimeoutMs,
    // Library code reports through errors and receipts, never through its own logging.
    logger: false,
    debug: false,
  };
}

/**
 * Sends through an SMTP server with nodemailer, one connection per message, so an abort
 * or a failure ends exactly one attempt and leaves nothing half-open for the next.
 */
export class SmtpTransport implements EmailTransport {
  readonly #transporter: Transporter<SMTPSentMessageInfo>;
  readonly #now: () => Date;
  #closing: Promise<void> | undefined;

  /** @throws RangeError on a bad option; an unreadable `caFile` throws its fs error. */
  constructor(options: SmtpTransportOptions) {
    // An option passed as `undefined` (an unset env variable) keeps its default.
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    const settings = { ...DEFAULTS, ...(given as SmtpTransportOptions) };
    checkOptions(settings);
    this.#now = settings.now;
    this.#transporter = nodemailer.createTransport(nodemailerOptions(settings));
  }

  async send(message: OutgoingEmail, signal: AbortSignal): Promise<EmailReceipt> {
    if (this.#closing) {
      throw transportClosedError();
    }

    const composed = composeEmail(message, this.#now());
    let info: SMTPSentMessageInfo;
    try {
      info = await this.#transporter.sendMail({ ...composed, signal });
    } catch (err) {
      throw toSmtpSendError(err);
    }

    return {
      transport: 'smtp',
      messageId: composed.messageId,
      response: info.response,
      acceptedAt: this.#now().toISOString(),
      accepted: [...info.accepted],
      rejected: [...info.rejected],
    };
  }

  /** Connects and logs in once, to find a wrong host, port, TLS mode or password early. */
  async verify(): Promise<void> {
    try {
      await this.#transporter.verify();
    } catch (err) {
      throw toSmtpSendError(err);
    }
  }

  close(): Promise<void> {
    this.#closing ??= Promise.resolve().then(() => this.#transporter.close());
    return this.#closing;
  }
}
