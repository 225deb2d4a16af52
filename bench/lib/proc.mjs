// CPU time and memory of processes, read from /proc (Linux). A process is followed by pid;
// a server with worker processes (PostgreSQL's postmaster and its backends) as a tree,
// whose CPU includes the children it already reaped.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const TICKS_PER_SECOND =
  Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(rest[1]),
      ticks: Number(rest[11]) + Number(rest[12]),
      systemTicks: Number(rest[12]),
      childSystemTicks: Number(rest[14]),
      childTicks: Number(rest[13]) + Number(rest[14]),
    };
  } catch {
    return undefined;
  }
}

function readMemoryKb(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

function descendants(root) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat) parents.set(Number(entry), stat.ppid);
  }
  const found = [root];
  for (let i = 0; i < found.length; i += 1) {
    for (const [pid, ppid] of parents) if (ppid === found[i]) found.push(pid);
  }
  return found;
}

/** Starts a process's VmHWM over from its current RSS (needs to own the process, or root). */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted: the peak then counts from the process's start, as the README says.
  }
}

/** Machine-wide CPU ticks: busy and total, from the first line of /proc/stat. */
function machineTicks() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const numbers = values.map(Number);
  // user nice system idle iowait irq softirq steal: time the hypervisor gave to other
  // guests (steal) is neither ours nor another process's, so it is left out.
  const idle = numbers[3] + numbers[4];
  const total = numbers.slice(0, 7).reduce((sum, n) => sum + n, 0);
  return { busy: total - idle, total };
}

/**
 * Follows named processes. `snapshot()` reads them all at once; `delta(a, b)` turns two
 * snapshots into CPU seconds. While started, it samples every `intervalMs` to catch the
 * peak resident memory of trees (single processes report their own peak, VmHWM).
 */
export class ProcessSampler {
  #targets = new Map();
  #peakTreeRssKb = new Map();
  #timer;
  series = [];

  /** Follows `pid` under `name`; `tree` adds its descendants (and their reaped CPU). */
  add(name, pid, { tree = false } = {}) {
    this.#targets.set(name, { pid, tree });
  }

  snapshot() {
    const processes = {};
    for (const [name, { pid, tree }] of this.#targets) {
      const pids = tree ? descendants(pid) : [pid];
      let ticks = 0;
      let systemTicks = 0;
      let rss = 0;
      let hwm = 0;
      for (const each of pids) {
        const stat = readStat(each);
        if (!stat) continue;
        ticks += stat.ticks + (tree && each === pid ? stat.childTicks : 0);
        systemTicks += stat.systemTicks + (tree && each === pid ? stat.childSystemTicks : 0);
        const memory = readMemoryKb(each);
        rss += memory.rss;
        hwm = Math.max(hwm, memory.hwm);
      }
      if (tree) this.#peakTreeRssKb.set(name, Math.max(this.#peakTreeRssKb.get(name) ?? 0, rss));
      processes[name] = {
        ticks,
        systemTicks,
        rssKb: rss,
        peakRssKb: tree ? this.#peakTreeRssKb.get(name) : hwm,
      };
    }
    return { at: Date.now(), machine: machineTicks(), processes };
  }

  start(intervalMs = 1000) {
    let previous = this.snapshot();
    this.#timer = setInterval(() => {
      const current = this.snapshot();
      const seconds = (current.at - previous.at) / 1000;
      const cpu = {};
      for (const [name, now] of Object.entries(current.processes)) {
        const before = previous.processes[name];
        if (before)
          cpu[name] = Math.round(((now.ticks - before.ticks) / TICKS_PER_SECOND / seconds) * 100);
      }
      const machine = current.machine;
      const busy =
        (machine.busy - previous.machine.busy) /
        Math.max(1, machine.total - previous.machine.total);
      this.series.push({ at: current.at, machineBusyPct: Math.round(busy * 100), cpuPct: cpu });
      previous = current;
    }, intervalMs);
    this.#timer.unref();
  }

  stop() {
    clearInterval(this.#timer);
  }

  /** CPU seconds and peak RSS per process between two snapshots, and machine busy share. */
  static delta(before, after) {
    const processes = {};
    for (const [name, now] of Object.entries(after.processes)) {
      // A process started after `before` counts from its own start.
      const then = before.processes[name] ?? { ticks: 0, systemTicks: 0 };
      processes[name] = {
        cpuSeconds: (now.ticks - then.ticks) / TICKS_PER_SECOND,
        systemSeconds: (now.systemTicks - (then.systemTicks ?? 0)) / TICKS_PER_SECOND,
        peakRssMb: Math.round(now.peakRssKb / 102.4) / 10,
        startRssMb: before.processes[name]
          ? Math.round(before.processes[name].rssKb / 102.4) / 10
          : null,
      };
    }
    const busy = after.machine.busy - before.machine.busy;
    const total = after.machine.total - before.machine.total;
    return {
      seconds: (after.at - before.at) / 1000,
      machineBusyPct: Math.round((busy / Math.max(1, total)) * 100),
      machineBusySeconds: busy / TICKS_PER_SECOND,
      machineSeconds: total / TICKS_PER_SECOND,
      processes,
    };
  }
}
