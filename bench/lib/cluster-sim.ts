/**
 * The cluster benchmark's devices in several simulator processes (bench/lib/cluster-sim-child.ts), each a slice of
 * at most ~15,000 links under its own open-file limit (20,000 here, and it cannot be raised): the simulator's links
 * (StormFleet), each given the other nodes' addresses to fall back to, as a device with several broker addresses or
 * a DNS round-robin name would.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimChildReport, SimChildRequest } from './cluster-sim-child.js';
import type { BenchDevice } from './fleet.js';
import { CPU_PROF_DIR, processCpuSeconds, stopChild, type Cleanup } from './procs.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cluster-sim-child.ts');

/** One slice: its devices, and each device's broker addresses in the order it tries them (first: where it connects). */
export interface SimSlice {
  devices: BenchDevice[];
  addresses: string[][];
  /** The loopback address each device's connections come from (default: the system's choice, 127.0.0.1). */
  localAddresses?: string[];
}

/** Devices per source address: a school behind its NAT (and well within mqtt.connectsPerAddressPerSec's burst). */
const DEVICES_PER_ADDRESS = 250;

/** The loopback address of the `g`-th device of the fleet: 127.1.0.1 for the first 250, then 127.1.0.2 … */
export function sourceAddress(g: number): string {
  const block = Math.floor(g / DEVICES_PER_ADDRESS);
  return `127.1.${Math.floor(block / 250)}.${(block % 250) + 1}`;
}

/**
 * The fleet in `processes` simulator processes, `perNode` devices homed on each node (the first `perNode` on node 1,
 * and so on): each process holds an equal share of every node's devices, so when a node dies its devices' reconnects
 * are spread over every simulator (one process reconnecting 15,000 links alone measures the load generator, not the
 * cluster). Device `j` of a node falls back to the other nodes in an order that rotates with `j`, so a dead node's
 * devices spread evenly over the survivors instead of all landing on the next one. Each 250 devices share one loopback
 * source address, as a school behind its NAT (see DeviceLinkOptions.localAddress for why).
 */
export function clusterSlices(fleet: BenchDevice[], urls: string[], perNode: number, processes: number): SimSlice[] {
  const slices = Array.from({ length: processes }, () => ({ devices: [] as BenchDevice[], addresses: [] as string[][], localAddresses: [] as string[] }));
  urls.forEach((home, k) => {
    const others = urls.filter((_, m) => m !== k);
    for (let j = 0; j < perNode; j++) {
      const slice = slices[j % processes]!;
      slice.devices.push(fleet[k * perNode + j]!);
      slice.addresses.push([home, ...others.map((_, m) => others[(m + j) % others.length]!)]);
      slice.localAddresses.push(sourceAddress(k * perNode + j));
    }
  });
  return slices;
}

export class SimProcesses {
  private readonly children: ChildProcess[] = [];
  private readonly counts: number[] = [];
  private readonly errorCounts: number[] = [];
  private readonly kinds: Record<string, number>[] = [];
  private waiters: { cond: (connected: number) => boolean; resolve: () => void }[] = [];

  constructor(private readonly cleanup: Cleanup) {}

  get connected(): number {
    return this.counts.reduce((a, b) => a + b, 0);
  }

  get errors(): number {
    return this.errorCounts.reduce((a, b) => a + b, 0);
  }

  /** Link errors by kind, summed over the processes. */
  errorKinds(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const kinds of this.kinds) for (const [k, n] of Object.entries(kinds)) out[k] = (out[k] ?? 0) + n;
    return out;
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid!);
  }

  /** CPU seconds the simulator processes have used so far. */
  cpuSeconds(): number {
    return this.pids.reduce((a, pid) => a + processCpuSeconds(pid), 0);
  }

  /** Forks one process per slice and opens its links (`parallel` connects at a time per process). */
  async open(slices: SimSlice[], parallel = 200): Promise<void> {
    await Promise.all(slices.map(async (s) => {
      const k = this.children.length;
      const prof = CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [];
      const child = fork(CHILD, [], { execArgv: ['--import', 'tsx', ...prof], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.cleanup.track(child);
      this.cleanup.add('simulator process', () => this.closeOne(child));
      this.children.push(child);
      this.counts[k] = 0;
      this.errorCounts[k] = 0;
      this.kinds[k] = {};
      const opened = new Promise<void>((resolve) => child.on('message', (m: SimChildReport) => {
        if (m.type === 'count') {
          this.counts[k] = m.connected;
          this.errorCounts[k] = m.errors;
          this.kinds[k] = m.errorKinds;
          this.notify();
        } else if (m.type === 'opened') resolve();
      }));
      child.once('exit', () => { this.counts[k] = 0; this.notify(); });
      child.send({ type: 'open', devices: s.devices, addresses: s.addresses, localAddresses: s.localAddresses, parallel } satisfies SimChildRequest);
      await opened;
    }));
  }

  /** Resolves when `cond(connected)` holds (checked on every report). */
  until(cond: (connected: number) => boolean): Promise<void> {
    if (cond(this.connected)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ cond, resolve }));
  }

  /** `until`, or an error naming `what` after `ms`: a set-up step that never completes must not hang the benchmark. */
  async within(cond: (connected: number) => boolean, ms: number, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: only ${this.connected} connected after ${ms / 1000} s (${this.errors} link errors)`)), ms);
    });
    await Promise.race([this.until(cond), late]).finally(() => clearTimeout(timer));
  }

  private notify(): void {
    const n = this.connected;
    const met = this.waiters.filter((w) => w.cond(n));
    if (met.length === 0) return;
    this.waiters = this.waiters.filter((w) => !met.includes(w));
    for (const w of met) w.resolve();
  }

  private async closeOne(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.send({ type: 'close' } satisfies SimChildRequest);
    const killer = setTimeout(() => void stopChild(child, 5_000), 20_000);
    await exited;
    clearTimeout(killer);
  }

  /** Says goodbye on every link and ends the processes. */
  async close(): Promise<void> {
    await Promise.all(this.children.map((c) => this.closeOne(c)));
  }
}
