import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ChatCompletionsClient, MAX_REPLY_BYTES } from './client.ts';

describe('ChatCompletionsClient', () => {
  // A misbehaving endpoint (or a proxy in front of it) must not fill the analyzer's memory.
  it('stops reading a reply larger than any answer and calls it a bad reply', async () => {
    let written = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        // Up to 64 MB, unless the client hangs up first.
        while (written < 64 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const client = new ChatCompletionsClient({
        baseUrl: `http://127.0.0.1:${port}/v1`,
        model: 'm',
        timeoutMs: 30_000,
      });
      const failure = await client.complete([], new AbortController().signal).catch((e) => e);
      expect(failure).toMatchObject({ code: 'LLM_BAD_REPLY' });
      expect((failure as Error).message).toMatch(/larger than/);
      expect(written).toBeLessThan(16 * MAX_REPLY_BYTES);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
