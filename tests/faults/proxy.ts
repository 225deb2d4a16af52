import { createServer, createConnection, type Server, type Socket } from 'node:net';

/** A loopback TCP proxy the suite controls: it can cut every connection and refuse new ones. */
export interface FaultProxy {
  url: string;
  /** Destroys every open connection; with `refuseMs`, new ones are closed at once for that long. */
  drop(refuseMs?: number): void;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<free port> to `target` (host:port on loopback). */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const open = new Set<Socket>();
  let refuseUntil = 0;
  const server: Server = createServer((client) => {
    if (Date.now() < refuseUntil) {
      client.destroy();
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
  return {
    url: `redis://127.0.0.1:${port}`,
    drop(refuseMs = 0) {
      refuseUntil = Date.now() + refuseMs;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
