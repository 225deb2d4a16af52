// The fault suite, long form: `node tests/faults/run.ts --alerts 2000 --duration 120`.
// Prints one line `accepted N, delivered N, duplicates 0, lost 0, dead-lettered K, resent
// copies C` (then reasons and evidence) and exits 1 when an alert was lost or duplicated.
import { parseArgs } from 'node:util';
import { reportLines } from './report.ts';
import { runFaultSuite } from './suite.ts';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '120' },
    kills: { type: 'string', default: '3' },
    settle: { type: 'string', default: '180' },
    seed: { type: 'string' },
  },
});
const number = (name: string, value: string, max: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    process.stderr.write(`--${name} must be an integer from 1 to ${max}, got ${value}\n`);
    process.exit(2);
  }
  return n;
};

const result = await runFaultSuite({
  alerts: number('alerts', values.alerts, 20_000),
  durationMs: number('duration', values.duration, 1800) * 1000,
  killsPerService: number('kills', values.kills, 10),
  settleMs: number('settle', values.settle, 1800) * 1000,
  seed: values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed),
  log: (line) => process.stderr.write(`[faults] ${line}\n`),
});
process.stdout.write(`${reportLines(result).join('\n')}\n`);
process.exit(result.passed ? 0 : 1);
