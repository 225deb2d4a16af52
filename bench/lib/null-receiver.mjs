// The null receiver of `--receiver webhook`: an HTTP server that reads each request to its
// end and answers 200, keeping nothing but a count. It stands for Slack, Teams, PagerDuty or
// a ticketing webhook, so a run measures what Herald spends delivering over HTTP rather than
// what the mailbox spends on fsync. Its own process, sampled apart; argv: port.
import { createServer } from 'node:http';

const [port] = process.argv.slice(2);
let received = 0;
const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/count') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ received }));
    return;
  }
  request.resume();
  request.on('end', () => {
    received += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
