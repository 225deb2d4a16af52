import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of Redis that can make one connection go silent:
 * bytes are dropped both ways while both sockets stay open, like a network path that
 * died without a reset (`docker network disconnect` in R-27). Test-only helper.
 */
export async function startSilentProxy(redisUrl: string): Promise<{
  url: string;
  /** Silences the connection whose Redis-side local port is `port` (CLIENT LIST `addr`). */
  silence(port: number): boolean;
  close(): Promise<void>;
}> {
  const target = new URL(redisUrl);
  const pairs = new Set<{ client: Socket; upstream: Socket; silent: boolean }>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    const pair = { client, upstream, silent: false };
    pairs.add(pair);
    client.on('data', (chunk) => pair.silent || upstream.write(chunk));
    upstream.on('data', (chunk) => pair.silent || client.write(chunk));
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', close);
      socket.on('error', close);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    url: `redis://127.0.0.1:${address.port}`,
    silence(port) {
      for (const pair of pairs) {
        if (pair.upstream.localPort === port) {
          pair.silent = true;
          return true;
        }
      }
      return false;
    },
    close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
