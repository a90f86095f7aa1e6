import { execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { raiseFileLimit, readFileLimit } from '../../lib/limits.js';

/**
 * Everything the benchmark starts registers how to stop it here; `stopAll` runs the stoppers in reverse order,
 * from `finally`, from SIGINT / SIGTERM, and (for children that are still alive) from a synchronous `exit` hook.
 */
/** BENCH_CPU_PROF_DIR=dir: the cluster benchmark's nodes, dashboards and simulators write a V8 CPU profile there on exit. */
export const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR || undefined;

export class Cleanup {
  private readonly stoppers: { name: string; stop: () => Promise<void> | void }[] = [];
  private readonly children = new Set<ChildProcess>();

  constructor() {
    process.on('exit', () => {
      for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
  }

  /** Registers a stopper; the returned function runs it now and forgets it. */
  add(name: string, stop: () => Promise<void> | void): () => Promise<void> {
    const entry = { name, stop };
    this.stoppers.push(entry);
    return async () => {
      const i = this.stoppers.indexOf(entry);
      if (i < 0) return;
      this.stoppers.splice(i, 1);
      await entry.stop();
    };
  }

  /** Remembers a child so that it is SIGKILLed if the benchmark dies before stopping it. */
  track(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  /** Where the stoppers stand now: `stopAll(mark)` stops what was started after it (one benchmark group's servers). */
  mark(): number {
    return this.stoppers.length;
  }

  async stopAll(mark = 0): Promise<void> {
    while (this.stoppers.length > mark) {
      const s = this.stoppers.pop()!;
      try {
        await s.stop();
      } catch (err) {
        console.error(`bench: could not stop ${s.name}: ${(err as Error).message}`);
      }
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}

const TICKS_PER_S = 100; // USER_HZ; `getconf CLK_TCK` is 100 on every Linux we run on

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by every process on the machine, by pid, with its command name (`postgres`, `node` …). */
export function cpuByProcess(): Map<number, { comm: string; s: number }> {
  const out = new Map<number, { comm: string; s: number }>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      out.set(Number(pid), { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), s: processCpuSeconds(Number(pid)) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Who used the machine between two `cpuByProcess` calls, summed by command name (processes gone in between left out). */
export function cpuSecondsByCommand(before: Map<number, { comm: string; s: number }>, after = cpuByProcess()): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, p] of after) out[p.comm] = (out[p.comm] ?? 0) + p.s - (before.get(pid)?.s ?? 0);
  return out;
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_S, total: total / TICKS_PER_S };
}

/** The pid of a running process whose command line contains `needle` (e.g. the influxd config path). */
export function findPid(needle: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(needle)) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** The processes whose CPU one measurement reports, by role. */
export type CpuRoles = Record<string, number | 'self'>;

/** CPU used per role and by the machine between `start()` and `stop()`, as a share of one core. */
export class CpuMeter {
  /** The figure a scenario keeps: percent of a core per role, and CPU µs per item (reading, point or message). */
  static figure(m: ReturnType<CpuMeter['stop']>, items: number): { cores: Record<string, number>; usPerItem: Record<string, number>; machineBusyPct: number } {
    const usPerItem: Record<string, number> = {};
    for (const [role, s] of Object.entries(m.cpuS)) usPerItem[role] = round((s * 1e6) / Math.max(1, items), 1);
    return { cores: m.cores, usPerItem, machineBusyPct: m.machineBusyPct };
  }

  private startAt = 0;
  private readonly startCpu = new Map<string, number>();
  private startMachine = { busy: 0, total: 0 };

  constructor(private readonly roles: CpuRoles) {}

  private read(role: string): number {
    const pid = this.roles[role]!;
    if (pid === 'self') {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    }
    return processCpuSeconds(pid);
  }

  start(): void {
    this.startAt = performance.now();
    for (const role of Object.keys(this.roles)) this.startCpu.set(role, this.read(role));
    this.startMachine = machineCpuSeconds();
  }

  /** Percent of one core per role, and the machine's busy share in percent of all cores. */
  stop(): { wallS: number; cores: Record<string, number>; cpuS: Record<string, number>; machineBusyPct: number } {
    const wallS = (performance.now() - this.startAt) / 1000;
    const cores: Record<string, number> = {};
    const cpuS: Record<string, number> = {};
    for (const role of Object.keys(this.roles)) {
      cpuS[role] = this.read(role) - this.startCpu.get(role)!;
      cores[role] = round((cpuS[role] / wallS) * 100, 0);
    }
    const m = machineCpuSeconds();
    const busyShare = (m.busy - this.startMachine.busy) / Math.max(1e-9, m.total - this.startMachine.total);
    // Whatever else ran on the machine meanwhile (the kernel's own work included): the box may be shared.
    const ours = Object.values(cores).reduce((a, b) => a + b, 0);
    cores['other processes'] = Math.max(0, round(busyShare * availableParallelism() * 100 - ours, 0));
    return { wallS, cores, cpuS, machineBusyPct: round(busyShare * 100, 0) };
  }
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Waits until `probe` resolves true, polling every `everyMs`, or throws `what` after `timeoutMs`. */
export async function waitFor(probe: () => Promise<boolean> | boolean, what: string, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await delay(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * The machine may be shared (other people's tests, a demo): before a run, waits up to `maxWaitMs` for a second in
 * which it is at most `maxBusyPct` busy, and returns the busy share of the last second sampled.
 */
export async function waitForQuiet(maxBusyPct = 15, maxWaitMs = 90_000): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const a = machineCpuSeconds();
    await delay(1_000);
    const b = machineCpuSeconds();
    const busyPct = round(((b.busy - a.busy) / Math.max(1e-9, b.total - a.total)) * 100, 0);
    if (busyPct <= maxBusyPct) return busyPct;
    if (Date.now() >= deadline) {
      console.warn(`bench: the machine is still ${busyPct} % busy with other work after ${maxWaitMs / 1000} s; measuring anyway`);
      return busyPct;
    }
  }
}

/** LimitNOFILE of the systemd unit in docs/operations.md: the benchmarks run EduFleet and their load generators with it. */
export const OPEN_FILES = 65_536;

/**
 * Raises this process's open-file limit to OPEN_FILES (root may raise the hard one too; children inherit it); returns
 * the soft limit after, and whether the raise worked: a container without CAP_SYS_RESOURCE refuses it even to root,
 * and then the soft limit goes up to the hard one (lib/limits.ts) and the figures say which limit they ran with.
 */
export function raiseOwnFileLimit(): { soft: number; raised: boolean } {
  let raised = true;
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${OPEN_FILES}:${OPEN_FILES}`], { stdio: 'ignore' });
  } catch {
    raised = false;
    raiseFileLimit();
  }
  return { soft: readFileLimit()?.soft ?? 0, raised };
}
