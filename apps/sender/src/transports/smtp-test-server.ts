// Test helper (imported only by *.test.ts): real SMTP servers on 127.0.0.1, speaking the
// protocol through the smtp-server package, plus a server that never greets.
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
  user: unknown;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMessage[];
  /** AUTH attempts: method, username, and whether the session was encrypted by then. */
  logins: { method: string; username: string | undefined; secure: boolean }[];
  close(): Promise<void>;
}

/** What the server says to a command; a thrown error with `responseCode` is the reply. */
export type Rejection = { responseCode: number; message: string } | undefined;

export interface TestSmtpServerOptions {
  /** The loopback port to listen on; an ephemeral one by default. */
  port?: number;
  /** Implicit TLS (needs key and cert). */
  secure?: boolean;
  key?: Buffer;
  cert?: Buffer;
  /** Neither advertise nor accept STARTTLS: a server without TLS. */
  withoutStartTls?: boolean;
  /** Require AUTH with these credentials. */
  credentials?: { user: string; pass: string };
  /** Refuses the connection instead of greeting (a 554 or 421 greeting). */
  onConnect?: () => Rejection;
  onRcptTo?: (address: string) => Rejection;
  onData?: () => Rejection;
}

function smtpError(rejection: NonNullable<Rejection>): Error {
  return Object.assign(new Error(rejection.message), { responseCode: rejection.responseCode });
}

/** Starts an SMTP server on 127.0.0.1 with an ephemeral port that records what it receives. */
export async function startTestSmtpServer(
  options: TestSmtpServerOptions = {},
): Promise<TestSmtpServer> {
  const received: ReceivedMessage[] = [];
  const logins: TestSmtpServer['logins'] = [];
  const { credentials } = options;

  const serverOptions: SMTPServerOptions = {
    secure: options.secure ?? false,
    ...(options.key ? { key: options.key } : {}),
    ...(options.cert ? { cert: options.cert } : {}),
    hideSTARTTLS: options.withoutStartTls ?? false,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: credentials === undefined,
    allowInsecureAuth: true,
    disabledCommands: [
      ...(credentials === undefined ? ['AUTH'] : []),
      ...(options.withoutStartTls ? ['STARTTLS'] : []),
    ],
    logger: false,
    onAuth(auth, session, callback) {
      logins.push({ method: auth.method, username: auth.username, secure: session.secure });
      if (auth.username === credentials?.user && auth.password === credentials?.pass) {
        callback(null, { user: auth.username });
        return;
      }
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onConnect(_session, callback) {
      const rejection = options.onConnect?.();
      callback(rejection ? smtpError(rejection) : null);
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const rejection = options.onRcptTo?.(address.address);
      callback(rejection ? smtpError(rejection) : null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const rejection = options.onData?.();
        if (rejection) {
          callback(smtpError(rejection));
          return;
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user,
        });
        callback(null);
      });
    },
  };

  const server = new SMTPServer(serverOptions);
  server.on('error', () => {
    // Clients that drop TLS handshakes on purpose (untrusted certificate tests) make the
    // server report errors; the tests assert on the client side.
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    received,
    logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface SilentServer {
  port: number;
  /** The next socket that connected (or connects), in order. */
  nextConnection(): Promise<Socket>;
  close(): Promise<void>;
}

/** Accepts TCP connections on 127.0.0.1 and never says a word: a hung SMTP server. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const arrived: Socket[] = [];
  const waiting: ((socket: Socket) => void)[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const waiter = waiting.shift();
    if (waiter) {
      waiter(socket);
    } else {
      arrived.push(socket);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    port: (server.address() as AddressInfo).port,
    nextConnection: () => {
      const socket = arrived.shift();
      return socket ? Promise.resolve(socket) : new Promise((resolve) => waiting.push(resolve));
    },
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
