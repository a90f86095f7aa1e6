import path from 'node:path';
import type { Config } from '../config/index.js';
import { parseDuration } from '../lib/duration.js';
import { createLogger } from '../lib/logger.js';
import type { RegistryStore } from '../registry/index.js';
import { localMidnight } from '../timetable/index.js';
import {
  backfill, countDevices, loadScenario, provinceScenario, provision, Simulator, startProgress, type BackfillProgress, type Scenario, type SimDevice, type SimStats,
} from '../device-sim/index.js';
import { openStore } from './open-store.js';
import { stopOnSignal, type ProcessShutdown } from './process.js';
import { raiseFileLimit } from '../lib/limits.js';

export interface SimCommandOptions {
  /** A scenario file; without one, a Lào Cai-like province of about `devices` devices is generated. */
  scenarioFile?: string;
  devices: number;
  seed: number;
  brokerUrl: string;
  /** Seconds between two readings of a device while its school is open (generated province only). */
  intervalS: number;
  /** Multiplies the default fault rates (generated province only); 0 turns faults off. */
  faultRate: number;
  /** Stop after this many seconds; default: run until Ctrl-C. */
  durationS?: number;
  /** QoS of telemetry; overrides the scenario's. */
  qos?: 0 | 1;
  /** Connections opened at once while ramping up. */
  connectConcurrency?: number;
}

/** The progress line: connected devices, readings sent and acknowledged, errors, the acknowledged rate over the last ~5 s. */
function statsLine(s: SimStats, startedAt: number, window: { at: number; acked: number }[]): string {
  const now = Date.now();
  window.push({ at: now, acked: s.acked });
  while (window.length > 2 && now - window[1]!.at >= 5000) window.shift();
  const first = window[0]!;
  const rate = (s.acked - first.acked) / Math.max(0.001, (now - first.at) / 1000);
  const up = Math.round((now - startedAt) / 1000);
  const f = s.faults;
  return `sim ${up}s · connected ${s.connected}/${s.devices} (asleep ${s.sleeping}) · readings sent ${s.sent} · acked ${s.acked} (${rate.toFixed(0)}/s) · errors ${s.errors}`
    + ` · faults: offline ${f.offline}, bad ${f.bad}, hot ${f.overheat}, drain ${f.drain}, dying ${f.dying}, wifi ${f.flapping}, stuck ${f.stuck}, skew ${f.skew}, silent ${f.silent}, error bursts ${f.burst}`;
}

/** Provisions the scenario's devices in `registry`, with a progress line; revoked devices are reported and left out. */
async function provisionWithProgress(registry: RegistryStore, scenario: Scenario, dataDir: string, signal: AbortSignal) {
  const total = countDevices(scenario);
  const t0 = Date.now();
  const state = { done: 0, revoked: 0 };
  const progress = startProgress(() => `provisioning ${state.done}/${total} devices (${Math.round(state.done / Math.max(0.001, (Date.now() - t0) / 1000))}/s)`);
  try {
    const devices = await provision(registry, scenario, path.join(dataDir, 'sim-credentials.json'), {
      signal, onProgress: (done) => { state.done = done; }, onRevoked: () => { state.revoked += 1; },
    });
    if (state.revoked) process.stderr.write(`${state.revoked} revoked device(s) left out (rotate a secret to bring one back)\n`);
    return devices;
  } finally {
    progress.stop();
  }
}

export interface SimulatorRun {
  config: Readonly<Config>;
  scenario: Scenario;
  brokerUrl: string;
  shutdown: ProcessShutdown;
  /** The registry to provision in; without it one is opened and closed again. */
  registry?: RegistryStore;
  connectConcurrency?: number;
  /** Runs once the devices are provisioned, before they connect. */
  beforeConnect?: (devices: SimDevice[]) => Promise<void>;
  /** Starts the simulator with the stop to run at shutdown (default: `sim.start()`, the stop on the shutdown). */
  adopt?: (sim: Simulator, stop: () => Promise<void>) => Promise<unknown>;
}

/** Provisions the scenario and runs it against `brokerUrl` until the shutdown; returns undefined if stopped before it ran. */
export async function startSimulator(o: SimulatorRun): Promise<Simulator | undefined> {
  const registry = o.registry ?? await openStore(o.config);
  let devices;
  try {
    devices = await provisionWithProgress(registry, o.scenario, o.config.dataDir, o.shutdown.signal);
  } catch (err) {
    if (o.shutdown.signal.aborted) return undefined;
    throw err;
  } finally {
    if (!o.registry) await registry.close();
  }
  await o.beforeConnect?.(devices);
  if (o.shutdown.signal.aborted) return undefined;
  const sim = new Simulator({ brokerUrl: o.brokerUrl, devices, scenario: o.scenario, connectConcurrency: o.connectConcurrency, log: createLogger(o.config.logLevel), controlDir: o.config.dataDir });
  const startedAt = Date.now();
  const window = [{ at: startedAt, acked: 0 }];
  const progress = startProgress(() => statsLine(sim.stats, startedAt, window));
  const stop = async () => {
    await sim.stop();
    progress.stop();
    process.stderr.write(`${sim.stats.goodbyes}/${sim.stats.devices} devices published their offline status and disconnected\n`);
  };
  const adopt = o.adopt ?? (async (s: Simulator, st: () => Promise<void>) => {
    o.shutdown.onStop(st);
    await s.start();
  });
  await adopt(sim, stop);
  return sim;
}

/** `edufleet sim`: simulated devices against a broker until Ctrl-C or `durationS`. */
export async function runSim(config: Readonly<Config>, o: SimCommandOptions): Promise<void> {
  const shutdown = stopOnSignal();
  // Every simulated device is a socket of this process too.
  raiseFileLimit();
  const scenario = o.scenarioFile ? loadScenario(o.scenarioFile) : provinceScenario({ devices: o.devices, seed: o.seed, intervalS: o.intervalS, faultRate: o.faultRate });
  if (o.qos !== undefined) scenario.qos = o.qos;
  const sim = await startSimulator({ config, scenario, brokerUrl: o.brokerUrl, connectConcurrency: o.connectConcurrency, shutdown });
  if (sim && o.durationS !== undefined) setTimeout(shutdown.exit, o.durationS * 1000);
}

export interface BackfillCommandOptions {
  scenarioFile: string;
  /** First local day, inclusive (yyyy-mm-dd). */
  from: string;
  /** Local day after the last, exclusive (yyyy-mm-dd). */
  to: string;
  brokerUrl: string;
  truthFile?: string;
  /** Seconds between two readings while the school is open or the room in use (default 60). */
  intervalS?: number;
  /** Apply the scenario's fault rates (default: none). */
  faults?: boolean;
}

function backfillLine(p: BackfillProgress, t0: number): string {
  const s = Math.max(0.001, (Date.now() - t0) / 1000);
  return `backfill ${s.toFixed(1)}s · devices ${p.devicesDone}/${p.devices} · readings sent ${p.readingsSent}/${p.readingsTotal} · acked ${p.readingsAcked} (${Math.round(p.readingsAcked / s)}/s) · errors ${p.errors}`
    + (p.badSent ? ` · bad ${p.badSent}` : '');
}

/**
 * `edufleet sim backfill`: provisions (or reuses) the scenario's devices, then publishes every reading of the past
 * window with its original time and writes the ground truth. Returns once every reading has been acknowledged.
 */
export async function runBackfill(config: Readonly<Config>, o: BackfillCommandOptions): Promise<{ readings: number; errors: number; ms: number }> {
  const shutdown = stopOnSignal();
  const scenario = loadScenario(o.scenarioFile);
  // The gateway keeps a device's own time only within the raw retention; older readings would be stamped "now".
  const oldest = Date.now() - parseDuration(config.influx.rawRetention);
  if (localMidnight(o.from) < oldest) throw new Error(`backfill: --from ${o.from} is older than the raw retention (influx.rawRetention = ${config.influx.rawRetention})`);
  const registry = await openStore(config);
  let devices;
  try {
    devices = await provisionWithProgress(registry, scenario, config.dataDir, shutdown.signal);
  } finally {
    await registry.close();
  }
  const t0 = Date.now();
  let latest: BackfillProgress | undefined;
  const progress = startProgress(() => (latest ? backfillLine(latest, t0) : 'backfill starting'));
  try {
    const r = await backfill({
      brokerUrl: o.brokerUrl, devices, scenario, from: o.from, to: o.to, truthFile: o.truthFile, intervalS: o.intervalS, faults: o.faults,
      signal: shutdown.signal, onProgress: (p) => { latest = p; },
    });
    progress.stop();
    process.stderr.write(`backfilled ${r.readingsAcked} readings of ${r.devices} devices from ${o.from} to ${o.to} (exclusive) in ${(r.ms / 1000).toFixed(1)} s`
      + `${o.truthFile ? `; ground truth in ${o.truthFile}` : ''}\n`);
    return { readings: r.readingsAcked, errors: r.errors, ms: r.ms };
  } catch (err) {
    progress.stop();
    throw err;
  }
}
