import { createServer, createConnection, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy the suite controls: it can cut every connection, refuse new ones,
 * or take new ones and pass nothing (a peer that hangs).
 */
export interface FaultProxy {
  port: number;
  /** Destroys every open connection; with `refuseMs`, new ones are closed at once for that long. */
  drop(refuseMs?: number): void;
  /** For `ms`, new connections are accepted and then hear nothing; closed when it ends. */
  hang(ms: number): void;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<free port> to `target` (host:port on loopback). */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const open = new Set<Socket>();
  const silent = new Set<Socket>();
  let refuseUntil = 0;
  let hangUntil = 0;
  let hangTimer: NodeJS.Timeout | undefined;
  const server: Server = createServer((client) => {
    client.on('error', () => {});
    if (Date.now() < refuseUntil) {
      client.destroy();
      return;
    }
    if (Date.now() < hangUntil) {
      silent.add(client);
      client.on('close', () => silent.delete(client));
      return;
    }
    const upstream = createConnection(target);
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const endSilent = () => {
    for (const socket of silent) socket.destroy();
    silent.clear();
  };
  return {
    port,
    drop(refuseMs = 0) {
      refuseUntil = Date.now() + refuseMs;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    hang(ms) {
      hangUntil = Date.now() + ms;
      clearTimeout(hangTimer);
      hangTimer = setTimeout(endSilent, ms);
    },
    async close() {
      clearTimeout(hangTimer);
      endSilent();
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
