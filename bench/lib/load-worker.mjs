// The load generator, run as its own process so its CPU is measured apart from the
// services and the bench's sampling. Reads its plan as JSON from argv[2], posts alerts to
// the given URL (loopback only), and sends one summary back over IPC, then exits.
import http from 'node:http';
import { createAlertSource } from './alerts.mjs';
import { percentiles } from './stats.mjs';

const plan = JSON.parse(process.argv[2]);
const target = new URL(plan.url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
  throw new Error(`the load generator posts to loopback only, not ${target.hostname}`);
}

const source = createAlertSource(plan.runTag);
const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
const contentType = plan.batch === 1 ? 'application/json' : 'application/x-ndjson';
const latencies = [];
const statusCounts = {};
let nextSeq = plan.startSeq ?? 0;
const lastSeq = nextSeq + plan.maxAlerts;
let requests = 0;
let accepted = 0;
let networkErrors = 0;
let throttledUntil = 0;

function nextBody() {
  const count = Math.min(plan.batch, lastSeq - nextSeq);
  if (count <= 0) return undefined;
  let body = '';
  for (let i = 0; i < count; i += 1) body += (i === 0 ? '' : '\n') + source.render(nextSeq + i);
  nextSeq += count;
  return { body, count };
}

function post({ body, count }) {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${plan.apiKey}`,
          'content-type': contentType,
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          requests += 1;
          latencies.push(performance.now() - started);
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
          if (status === 202) accepted += count;
          if (status === 429 || status === 503) {
            const seconds = Number(response.headers['retry-after'] ?? 1);
            throttledUntil =
              Date.now() + Math.min(Number.isFinite(seconds) ? seconds : 1, 5) * 1000;
          }
          resolve();
        });
      },
    );
    request.on('error', () => {
      networkErrors += 1;
      resolve();
    });
    request.end(body);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const startedAt = Date.now();
const endAt = startedAt + plan.durationS * 1000;
let maxScheduleLagMs = 0;

async function throttle() {
  const wait = throttledUntil - Date.now();
  if (wait > 0) await sleep(Math.min(wait, endAt - Date.now()));
}

/** Closed loop: each lane posts again as soon as its last post was answered. */
async function runMax() {
  const lane = async () => {
    while (Date.now() < endAt) {
      await throttle();
      const next = nextBody();
      if (!next) return;
      await post(next);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, lane));
}

/**
 * Open loop: requests leave on a fixed schedule whatever the answers; at most
 * `concurrency` wait for an answer. How far the schedule fell behind is reported.
 */
async function runRate() {
  const intervalMs = (plan.batch / plan.rate) * 1000;
  const inFlight = new Set();
  let due = performance.now();
  while (Date.now() < endAt) {
    const now = performance.now();
    if (due > now) {
      await sleep(Math.min(due - now, 10));
      continue;
    }
    maxScheduleLagMs = Math.max(maxScheduleLagMs, now - due);
    if (inFlight.size >= plan.concurrency) {
      await Promise.race(inFlight);
      continue;
    }
    const next = nextBody();
    if (!next) break;
    const pending = post(next).then(() => inFlight.delete(pending));
    inFlight.add(pending);
    due += intervalMs;
  }
  await Promise.all(inFlight);
}

await (plan.mode === 'rate' ? runRate() : runMax());
const endedAt = Date.now();
agent.destroy();
process.send?.({
  startedAt,
  endedAt,
  requests,
  accepted,
  statusCounts,
  networkErrors,
  maxScheduleLagMs: Math.round(maxScheduleLagMs),
  firstSeq: plan.startSeq ?? 0,
  lastSeq: nextSeq,
  latencyMs: percentiles(latencies, [0.5, 0.95, 0.99, 1]),
  cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
});
process.disconnect?.();
