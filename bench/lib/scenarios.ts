import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CpuMeter, round, type Cleanup } from './procs.js';
import { anonymousFleet, COUNT_FIELD, lineBatches, MEASUREMENT, provisionFleet, totalMessages, type LoadShape } from './fleet.js';
import { watchCount, type InfluxHttp } from './influx-http.js';
import { closeFleet, connectFleet, publishFleet } from './load.js';
import { startEdufleetChild } from './servers.js';

/** What every scenario needs: the shared influxd, where to put temporary files, the load, and the cleanup list. */
export interface BenchContext {
  influx: InfluxHttp;
  influxdPid: number | undefined;
  tmpRoot: string;
  shape: LoadShape;
  cleanup: Cleanup;
  /** Which EduFleet to run and with which Node options (see EdufleetChildOptions). */
  edufleet: { root?: string; nodeArgs?: string[]; env?: Record<string, string> };
}

/** CPU during the measured interval: percent of one core per process, and the machine's busy share (all cores). */
export interface CpuFigure {
  cores: Record<string, number>;
  /** CPU µs (user + system) per item of the run, per process (absent in results before issue 13). */
  usPerItem?: Record<string, number>;
  machineBusyPct: number;
}

/** Write requests influxd accepted during a run and their mean size (absent in results before issue 13 item 4). */
export interface InfluxWrites { requests: number; pointsPerRequest: number }
const influxWrites = (w: { points: number; requests: number }): InfluxWrites => ({ requests: w.requests, pointsPerRequest: w.requests ? Math.round(w.points / w.requests) : 0 });

export interface RawRun { round: number; points: number; seconds: number; pointsPerS: number; cpu: CpuFigure; influxWrites?: InfluxWrites }
export interface EdufleetRun {
  round: number;
  points: number;
  /** First PUBLISH → the InfluxDB count reaches the total. */
  seconds: number;
  durablePerS: number;
  /** First PUBLISH → last PUBACK (every reading is in the fsynced spool by then). */
  ackSeconds: number;
  ackPerS: number;
  cpu: CpuFigure;
  profiled?: boolean;
  influxWrites?: InfluxWrites;
  /** Publish QoS (absent: 1). At QoS 0, `ackPerS` is messages/s the broker took (to the last device's fence PUBACK) and `points` what became durable. */
  qos?: 0 | 1;
}

export const RAW_DB = 'raw_ref';
export const RAW_BATCH = 5_000;
export const RAW_CONCURRENCY = 2;
export const EDUFLEET_DB = 'edufleet';
/** The gateway writes telemetry into its `raw` retention policy. */
const EDUFLEET_FROM = `"raw"."${MEASUREMENT}"`;

export const countTimeoutMs = (total: number) => Math.max(120_000, total);
/**
 * Device times from now, as a fleet with synchronised clocks sends them: reading `seq` is stamped `seq` ms after the
 * start and is published later than that, so no time lies in the future. (Until issue 13 they were an hour back, which
 * opened a `clock_skew` alert for every device inside each run: a burst of alert writes, not the rules' steady cost.)
 */
export const baseTs = () => Date.now();

export function cpuRoles(ctx: BenchContext, extra: Record<string, number>) {
  return { ...extra, ...(ctx.influxdPid ? { influxd: ctx.influxdPid } : {}), 'bench (load + polling)': 'self' as const };
}

/** (b) The same points as line protocol straight to influxd, 5,000 per POST, two POSTs at a time. */
export async function runRawInflux(ctx: BenchContext, roundNo: number): Promise<RawRun> {
  const total = totalMessages(ctx.shape);
  await ctx.influx.query(`DROP DATABASE ${RAW_DB}`);
  await ctx.influx.query(`CREATE DATABASE ${RAW_DB}`);
  const batches = lineBatches(anonymousFleet(ctx.shape.devices), ctx.shape.messagesPerDevice, baseTs(), RAW_BATCH);
  try {
    const meter = new CpuMeter(cpuRoles(ctx, {}));
    meter.start();
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await ctx.influx.write(RAW_DB, batches[next++]!);
    };
    const [watch] = await Promise.all([
      watchCount(ctx.influx, RAW_DB, MEASUREMENT, COUNT_FIELD, total, countTimeoutMs(total)),
      Promise.all(Array.from({ length: RAW_CONCURRENCY }, worker)),
    ]);
    const cpu = meter.stop();
    const seconds = (watch.doneAt - t0) / 1000;
    return { round: roundNo, points: watch.count, seconds: round(seconds, 3), pointsPerS: Math.round(total / seconds), cpu: CpuMeter.figure(cpu, total), influxWrites: influxWrites(watch.writes) };
  } finally {
    await ctx.influx.query(`DROP DATABASE ${RAW_DB}`);
  }
}

/**
 * (a) EduFleet end to end: devices → broker + gateway in a child process → fsynced spool → InfluxDB, counted back.
 * With `cpuProfDir` the child runs under `node --cpu-prof` (a run apart, not one of the measured ones).
 */
/** `rules: false` runs the same EduFleet with the health signals and alert rules off (EDUFLEET_ALERTS_ENABLED=false). */
export async function runEdufleet(ctx: BenchContext, roundNo: number, cpuProfDir?: string, o: { rules: boolean; qos?: 0 | 1 } = { rules: true }): Promise<EdufleetRun> {
  const qos = o.qos ?? 1;
  const total = totalMessages(ctx.shape);
  const dataDir = mkdtempSync(path.join(ctx.tmpRoot, 'edufleet-'));
  await ctx.influx.query(`DROP DATABASE ${EDUFLEET_DB}`);
  const devices = await provisionFleet(dataDir, ctx.shape.devices);
  const env = { EDUFLEET_ALERTS_ENABLED: String(o.rules) };
  const child = await startEdufleetChild({ influxUrl: ctx.influx.url, influxCredentials: ctx.influx.credentials, database: EDUFLEET_DB, dataDir, cpuProfDir, ...ctx.edufleet, env: { ...env, ...ctx.edufleet?.env } }, ctx.cleanup);
  try {
    const clients = await connectFleet(child.url, devices);
    try {
      const meter = new CpuMeter(cpuRoles(ctx, { 'edufleet (broker+gateway)': child.pid }));
      meter.start();
      const ts = baseTs();
      let loadDone = false;
      const settle = qos === 0 ? { loadDone: () => loadDone, quietMs: 2_000 } : undefined;
      const [load, watch] = await Promise.all([
        publishFleet(clients, devices, ctx.shape.messagesPerDevice, ctx.shape.window, ts, qos).finally(() => { loadDone = true; }),
        watchCount(ctx.influx, EDUFLEET_DB, EDUFLEET_FROM, COUNT_FIELD, total, countTimeoutMs(total), 50, settle),
      ]);
      const cpu = meter.stop();
      if (qos === 1 && watch.count !== total) throw new Error(`InfluxDB holds ${watch.count} readings, expected ${total}`);
      const seconds = (watch.doneAt - load.startedAt) / 1000;
      const ackSeconds = (load.lastAckAt - load.startedAt) / 1000;
      // Per durable reading: what one reading costs end to end (at QoS 0 the dropped ones included in the cost).
      return {
        round: roundNo, points: watch.count, seconds: round(seconds, 3), durablePerS: Math.round(watch.count / seconds),
        ackSeconds: round(ackSeconds, 3), ackPerS: Math.round(total / ackSeconds), cpu: CpuMeter.figure(cpu, watch.count), influxWrites: influxWrites(watch.writes),
        ...(cpuProfDir ? { profiled: true } : {}), ...(qos === 0 ? { qos } : {}),
      };
    } finally {
      await closeFleet(clients);
    }
  } finally {
    await child.stop();
    await ctx.influx.query(`DROP DATABASE ${EDUFLEET_DB}`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The newest main-thread .cpuprofile in a directory. Node writes one per thread, named
 * CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; tsx's module loader runs in a worker thread, whose profile
 * (thread id > 0) is only start-up work.
 */
export function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0').sort();
  return files.length ? path.join(dir, files.at(-1)!) : undefined;
}
