// The formatter's CPU per alert alone, steadier than format-persist.mjs's one pass: the
// same 10,000 claimed alerts (format-input.mjs) formatted --passes times in batches of 100,
// the first pass warming the JIT. Prints the fastest and the median of the other passes,
// in CPU ms per alert (process.cpuUsage), so a change of a few percent shows above the noise
// of a shared machine. Bounded: at most 10,000 alerts and 20 passes (about 2 s a pass).
// --receivers 3 routes every alert to an email, a Slack and a webhook receiver (default 1,
// the email one).
// node bench/experiments/format-cpu.mjs [--alerts 10000] [--passes 8] [--receivers 1]
import { parseArgs } from 'node:util';
import {
  batchesOf,
  claimedAlerts,
  createFormatHandlerFor,
  receiverConfigs,
} from './format-input.mjs';

const { values: args } = parseArgs({
  options: {
    alerts: { type: 'string', default: '10000' },
    passes: { type: 'string', default: '8' },
    receivers: { type: 'string', default: '1' },
  },
});
const ALERTS = Math.min(Number(args.alerts), 10_000);
const PASSES = Math.min(Math.max(Number(args.passes), 2), 20);

const receivers = receiverConfigs(Number(args.receivers));
const handler = createFormatHandlerFor(receivers);
const batches = batchesOf(claimedAlerts(ALERTS, receivers), 100);
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const perAlert = [];
for (let pass = 0; pass < PASSES; pass += 1) {
  const started = cpuMs();
  for (const batch of batches) {
    const results = await handler.process(batch);
    if (results.some((result) => result.kind !== 'done')) throw new Error('an alert failed');
  }
  if (pass > 0) perAlert.push((cpuMs() - started) / ALERTS);
}
perAlert.sort((a, b) => a - b);
const median = perAlert[Math.floor(perAlert.length / 2)];
console.log(
  `format (handler.process), CPU ms per alert: fastest ${perAlert[0].toFixed(4)}, median ${median.toFixed(4)} (${PASSES - 1} passes of ${ALERTS}, ${receivers.length} receivers each)`,
);
