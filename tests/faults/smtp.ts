import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** How the test SMTP server treats a message right now. */
export type SmtpMode = 'accept' | 'refuse-421' | 'refuse-451' | 'hang';

/** One message the server accepted (answered 250 to its DATA). */
export interface ReceivedMessage {
  alertId: string | undefined;
  messageId: string | undefined;
  recipients: string[];
  /** When it was accepted (epoch ms), to line a resent copy up with the faults before it. */
  at: number;
}

export interface FaultSmtp {
  port: number;
  received: ReceivedMessage[];
  /** Messages whose DATA was answered with an error or never answered (hang). */
  refused: number;
  setMode(mode: SmtpMode): void;
  close(): Promise<void>;
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

/** The value of a header in a raw RFC 5322 message (folded lines joined), or undefined. */
export function headerValue(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi').exec(head);
  return match?.[1]!.trim();
}

/**
 * A plain SMTP server on 127.0.0.1 that accepts, refuses (421 to the greeting, 451 to
 * RCPT TO) or hangs (reads DATA and never answers), as the suite says.
 */
export async function startFaultSmtp(): Promise<FaultSmtp> {
  let mode: SmtpMode = 'accept';
  const hung: ((err?: Error | null) => void)[] = [];
  const state: { received: ReceivedMessage[]; refused: number } = { received: [], refused: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, callback) {
      if (mode === 'refuse-421') callback(smtpError(421, 'fault suite: service not available'));
      else callback();
    },
    onRcptTo(_address, _session, callback) {
      if (mode === 'refuse-451') callback(smtpError(451, 'fault suite: try again later'));
      else callback();
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (mode === 'hang') {
          state.refused += 1;
          hung.push(callback);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        state.received.push({
          alertId: headerValue(raw, 'X-Herald-Alert-Id'),
          messageId: headerValue(raw, 'Message-ID'),
          recipients: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          at: Date.now(),
        });
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    get received() {
      return state.received;
    },
    get refused() {
      return state.refused;
    },
    setMode(next) {
      mode = next;
      // Hung messages are never accepted: the client has timed out and will resend.
      if (next !== 'hang') {
        for (const callback of hung.splice(0)) callback(smtpError(451, 'fault suite: hang over'));
      }
    },
    async close() {
      for (const callback of hung.splice(0)) callback(smtpError(421, 'closing'));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
