// Summarises a V8 .cpuprofile (node --cpu-prof): where the samples fell, by function
// (self and total time) and by package, so a report can name where a service spends CPU.
import { readFileSync } from 'node:fs';
import { repoRoot } from '../../scripts/toolchain.mjs';

const SPECIAL = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** Which package or part of Node a script URL belongs to. */
export function packageOf(url) {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pnpm) return pnpm[1];
  const plain = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (plain) return plain[1];
  const local = /(apps|packages)\/([^/]+)\//.exec(url);
  if (local) return `${local[1]}/${local[2]}`;
  return url.replace(`file://${repoRoot}`, '');
}

function frameName(frame) {
  const where = frame.url
    ? `${frame.url.replace(/^file:\/\/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(`file://${repoRoot}`, '')}:${frame.lineNumber + 1}`
    : '';
  return `${frame.functionName || '(anonymous)'} ${where}`.trim();
}

function top(map, totalMs, limit) {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, value]) => ({
      name,
      ms: Math.round(value),
      pct: Math.round((value / totalMs) * 1000) / 10,
    }));
}

/** Self and total time per function and self time per package, as shares of busy time. */
export function summariseProfile(path, limit = 15) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const delta = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    selfMs.set(profile.samples[i], (selfMs.get(profile.samples[i]) ?? 0) + delta);
  }
  const parentOf = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);

  const selfByFunction = new Map();
  const totalByFunction = new Map();
  const byPackage = new Map();
  let busyMs = 0;
  let idleMs = 0;
  let gcMs = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    const name = node.callFrame.functionName;
    if (name === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    if (name === '(garbage collector)') gcMs += ms;
    const key = SPECIAL.has(name) ? name : frameName(node.callFrame);
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + ms);
    const pkg = SPECIAL.has(name) ? name : packageOf(node.callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    // Total time: every distinct function on the stack of this sample gets it once.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at).callFrame;
      if (SPECIAL.has(frame.functionName)) continue;
      const fn = frameName(frame);
      if (seen.has(fn)) continue;
      seen.add(fn);
      totalByFunction.set(fn, (totalByFunction.get(fn) ?? 0) + ms);
    }
  }
  return {
    file: path,
    wallSeconds: Math.round((profile.endTime - profile.startTime) / 1e5) / 10,
    busySeconds: Math.round(busyMs / 100) / 10,
    idleSeconds: Math.round(idleMs / 100) / 10,
    gcPct: Math.round((gcMs / Math.max(1, busyMs)) * 1000) / 10,
    selfByPackage: top(byPackage, busyMs, limit),
    selfByFunction: top(selfByFunction, busyMs, limit),
    totalByFunction: top(totalByFunction, busyMs, limit),
    totalByHeraldFunction: top(
      new Map([...totalByFunction].filter(([name]) => /\s\/(apps|packages)\//.test(name))),
      busyMs,
      limit,
    ),
  };
}
