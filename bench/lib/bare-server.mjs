// The bare reference server: Fastify (the version ingest-api uses) accepting the same
// bodies on the same route with the same bearer check, parsing every alert and answering
// 202 with an id per alert, and storing nothing. Run as its own process; argv: port, key.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { fastifyPath } from './deps.mjs';

const [port, apiKey] = process.argv.slice(2);
const { default: Fastify } = await import(pathToFileURL(fastifyPath()).href);
const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
app.removeAllContentTypeParsers();
for (const type of ['application/json', 'application/x-ndjson']) {
  app.addContentTypeParser(type, { parseAs: 'string' }, (_request, text, done) =>
    done(null, { type, text }),
  );
}
app.addHook('onRequest', async (request, reply) => {
  if (request.url.startsWith('/readyz')) return;
  if (request.headers.authorization !== `Bearer ${apiKey}`)
    return reply.code(401).send({ error: 'bad key' });
});
app.get('/readyz', async () => ({ ready: true }));
app.post('/v1/alerts', async (request, reply) => {
  const { type, text } = request.body;
  const lines =
    type === 'application/json' ? [text] : text.split('\n').filter((line) => line.trim() !== '');
  const accepted = lines.map((line, index) => {
    JSON.parse(line);
    return { index, id: randomUUID(), duplicate: false };
  });
  return reply.code(202).send({ accepted, rejected: [] });
});
await app.listen({ host: '127.0.0.1', port: Number(port) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
