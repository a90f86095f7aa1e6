import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger.js';

/** The open-file limit of a process (RLIMIT_NOFILE); `Infinity` for "unlimited". */
export interface FileLimit { soft: number; hard: number }

/** What a process runs with: its open-file limit after raising it, and the broker's connection cap derived from it. */
export interface ProcessLimits {
  openFiles: FileLimit;
  /** The soft limit the process was started with, before it raised it. */
  startedWith?: FileLimit;
  /** Devices the broker keeps connected at most (CONNACK 3 beyond). */
  connectionCap: number;
  /** Open files kept free for everything that is not a device connection. */
  reserve: number;
  /** `config`: mqtt.maxConnections; `derived`: from the open-file limit. */
  capSource: 'config' | 'derived';
}

const parseLimit = (s: string): number => (s === 'unlimited' ? Infinity : Number(s));

/** Reads "Max open files" of /proc/<pid>/limits; undefined where there is no /proc (not Linux). */
export function readFileLimit(pid: number | 'self' = 'self'): FileLimit | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/limits`, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  return m ? { soft: parseLimit(m[1]!), hard: parseLimit(m[2]!) } : undefined;
}

/** The kernel's ceiling for any process's open files: an "unlimited" hard limit cannot be set higher. */
function kernelMaxOpen(): number {
  try {
    return Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim()) || 1_048_576;
  } catch {
    return 1_048_576;
  }
}

/**
 * Raises the soft open-file limit to the hard one. Node has no setrlimit, so util-linux's `prlimit` does it on this
 * process; where that fails (no prlimit, a sandbox that forbids it), the process goes on with the limit it has and
 * the connection cap follows that limit instead.
 */
export function raiseFileLimit(log?: Logger): { limit: FileLimit | undefined; startedWith: FileLimit | undefined } {
  const before = readFileLimit();
  if (!before || before.soft >= before.hard) return { limit: before, startedWith: before };
  const target = Math.min(before.hard, kernelMaxOpen());
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${target}`], { stdio: 'ignore', timeout: 5000 });
  } catch (err) {
    log?.warn({ err, soft: before.soft, hard: before.hard }, 'could not raise the open-file limit (prlimit); the connection cap follows the soft limit');
    return { limit: before, startedWith: before };
  }
  const after = readFileLimit() ?? before;
  log?.info({ from: before.soft, to: after.soft }, 'open-file limit raised');
  return { limit: after, startedWith: before };
}

/**
 * The broker's connection cap: `maxConnections` when set, else the soft limit less a reserve for the spool, the
 * registry, InfluxDB and HTTP. The reserve is at most a fifth of the limit, so a small limit (a test, a small box)
 * still leaves most of it to devices.
 */
export function connectionCap(soft: number, mqtt: { maxConnections: number; fileReserve: number }): Pick<ProcessLimits, 'connectionCap' | 'reserve' | 'capSource'> {
  const limit = Number.isFinite(soft) ? soft : kernelMaxOpen();
  const reserve = Math.min(mqtt.fileReserve, Math.floor(limit * 0.2));
  if (mqtt.maxConnections > 0) return { connectionCap: mqtt.maxConnections, reserve, capSource: 'config' };
  return { connectionCap: Math.max(1, limit - reserve), reserve, capSource: 'derived' };
}

/** Called once at process start: raises the limit and derives the cap (logged, and shown on /healthz by the broker). */
export function prepareProcessLimits(mqtt: { maxConnections: number; fileReserve: number }, log?: Logger): ProcessLimits {
  const { limit, startedWith } = raiseFileLimit(log);
  const openFiles = limit ?? { soft: Infinity, hard: Infinity };
  const cap = connectionCap(openFiles.soft, mqtt);
  log?.info({ openFiles: openFiles.soft, connectionCap: cap.connectionCap, reserve: cap.reserve, source: cap.capSource }, 'MQTT connection cap');
  return { openFiles, ...(startedWith ? { startedWith } : {}), ...cap };
}

/** Errors that mean "the machine is out of something" rather than "this input is wrong". */
export const RESOURCE_ERROR_CODES = new Set(['EMFILE', 'ENFILE', 'ENOSPC', 'EDQUOT', 'ENOMEM', 'EAGAIN', 'EPERM', 'EROFS', 'EIO', 'EDUFLEET_ERR_SPOOL_FULL']);

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The metrics of bounded resources, registered with the process's other metrics (lib/metrics.ts). */
export function limitMetrics(registry: Registry) {
  /** Set by the stack: the components whose state `edufleet_component_degraded` reports at each scrape. */
  const source: { health?: () => { name: string; state: string }[] } = {};
  return {
    healthSource: source,
    resourceErrors: new Counter({ name: 'edufleet_resource_errors_total', help: 'Resource errors met and retried (EMFILE, ENOSPC, a full spool…), by code and context.', labelNames: ['code', 'context'] as const, registers: [registry] }),
    openFileLimit: new Gauge({ name: 'edufleet_open_file_limit', help: 'The soft open-file limit of this process, after raising it.', registers: [registry] }),
    connectionCap: new Gauge({ name: 'edufleet_mqtt_connection_cap', help: 'Devices the broker keeps connected at most.', registers: [registry] }),
    spoolDiskBytes: new Gauge({ name: 'edufleet_spool_disk_bytes', help: 'Bytes of spool segments on disk.', registers: [registry] }),
    spoolMaxBytes: new Gauge({ name: 'edufleet_spool_max_bytes', help: 'The spool disk budget (gateway.spoolMaxBytes).', registers: [registry] }),
    spoolRefused: new Counter({ name: 'edufleet_spool_refused_total', help: 'Messages not acknowledged because the spool was full.', registers: [registry] }),
    componentDegraded: new Gauge({
      name: 'edufleet_component_degraded', help: '1 while a component of this process is degraded (see /healthz).', labelNames: ['component'] as const, registers: [registry],
      collect() {
        this.reset();
        for (const c of source.health?.() ?? []) this.set({ component: c.name }, c.state === 'degraded' ? 1 : 0);
      },
    }),
  };
}

/** Counts a fault on /metrics when it is a resource error; the caller's Health logs it once and shows it. */
export function countResourceError(metrics: { resourceErrors: Counter<'code' | 'context'> }, err: unknown, context: string): void {
  const code = errorCode(err);
  if (code && RESOURCE_ERROR_CODES.has(code)) metrics.resourceErrors.inc({ code, context });
}

/** Renders bytes as an operator reads them: "4.0 GiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** The limits as they are, without raising them: a stack started inside another program (a test, a benchmark). */
export function currentLimits(mqtt: { maxConnections: number; fileReserve: number }): ProcessLimits {
  const openFiles = readFileLimit() ?? { soft: Infinity, hard: Infinity };
  return { openFiles, ...connectionCap(openFiles.soft, mqtt) };
}
