// CPU per call of the analyzer's text helpers (apps/analyzer/src/analysis/text.ts) on
// corpus-sized values: a 2 KB full_log (the corpus's longest, padded the way bench/lib/alerts.mjs
// pads it) and a 64 KB one (every corpus full_log repeated), plus two hostile values that force
// the whole-value path: 64 KB of zero-width padding before the text, and 32 KB of ". " before
// a final word (quoteStatement's trailing-stop strip). Each case runs --passes timed passes of
// a fixed number of calls after one warm-up pass; prints the fastest and the median pass in
// CPU microseconds per call (process.cpuUsage). Bounded: at most 20 passes, every case a fixed
// call count (the hostile ones fewer), a few seconds in all.
// Run under Node 24 (type stripping imports the .ts source directly); --text measures another
// copy of the module, e.g. an older one (git show <commit>:apps/analyzer/src/analysis/text.ts):
// node bench/experiments/analyzer-text.mjs [--passes 7] [--text /tmp/text-before.ts]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    passes: { type: 'string', default: '7' },
    text: { type: 'string' },
  },
});
const textModule = args.text
  ? pathToFileURL(resolve(args.text)).href
  : new URL('../../apps/analyzer/src/analysis/text.ts', import.meta.url).href;
const { clip, quoteStatement, token } = await import(textModule);
const PASSES = Math.min(Math.max(Number(args.passes), 2), 20);

const corpusLogs = readFileSync(
  new URL('../../corpus/wazuh-alerts.ndjson', import.meta.url),
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line).full_log ?? '')
  .filter((log) => log !== '');
const longest = corpusLogs.reduce((a, b) => (b.length > a.length ? b : a));
const FILLER = ' lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor';
const fill = (start, length) => {
  let text = start;
  while (text.length < length) {
    text += FILLER;
  }
  return text.slice(0, length);
};
const log2k = fill(longest, 2048);
let log64k = '';
while (log64k.length < 65_536) {
  log64k += `${corpusLogs.join('\n')}\n`;
}
log64k = log64k.slice(0, 65_536);
const zeroWidthPadded = `${'\u200B'.repeat(65_536)}${longest}`;
const stopPadded = `${'. '.repeat(16_384)}end`;

const cases = [
  ['clip(2 KB full_log, 300)', () => clip(log2k, 300), 10_000],
  ['token(2 KB full_log, 64)', () => token(log2k, 64), 10_000],
  ['clip(64 KB full_log, 300)', () => clip(log64k, 300), 300],
  ['token(64 KB full_log, 64)', () => token(log64k, 64), 300],
  ['clip(64 KB zero-width + text, 300)', () => clip(zeroWidthPadded, 300), 200],
  ['quoteStatement(32 KB ". " + word, 120)', () => quoteStatement(stopPadded, 120), 1],
];

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
let sink = 0;
for (const [name, call, calls] of cases) {
  const perCall = [];
  for (let pass = 0; pass <= PASSES; pass += 1) {
    const started = cpuMicros();
    for (let i = 0; i < calls; i += 1) {
      sink += call().length;
    }
    if (pass > 0) {
      perCall.push((cpuMicros() - started) / calls);
    }
  }
  perCall.sort((a, b) => a - b);
  const median = perCall[Math.floor(perCall.length / 2)];
  console.log(
    `${name.padEnd(42)} CPU µs per call: fastest ${perCall[0].toFixed(2)}, median ${median.toFixed(2)} (${PASSES} passes of ${calls})`,
  );
}
if (sink === 0) {
  throw new Error('the helpers returned nothing');
}
