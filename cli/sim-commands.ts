import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { parseDuration } from '../lib/duration.js';
import { createLogger } from '../lib/logger.js';
import { topics } from '../protocol/index.js';
import type { RegistryStore } from '../registry/index.js';
import { addDays, localDate, localMidnight } from '../timetable/index.js';
import {
  backfill, countDevices, loadScenario, provinceScenario, provision, Simulator, startProgress, type BackfillProgress, type Scenario, type SimDevice, type SimStats,
} from '../device-sim/index.js';
import { startProcess } from '../app/process.js';
import type { Stack } from '../app/stack.js';
import { openStore } from './open-store.js';

export interface DemoOptions {
  /** Days of past use to backfill and analyse before the live simulation, so planners have history to look at. */
  historyDays: number;
  /** About how many simulated devices. */
  devices: number;
  /** Seed of the generated province. */
  seed: number;
}

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

/**
 * Stops what was started, in reverse, on Ctrl-C / SIGTERM / SIGHUP (a second signal exits at once), and aborts a run that is
 * still provisioning or connecting. Local rather than main.ts's stopOnSignal: main.ts imports this file.
 */
function shutdownOnSignal() {
  const ac = new AbortController();
  const stoppers: (() => Promise<void> | void)[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      ac.abort();
      for (const s of stoppers.reverse()) {
        try {
          await s();
        } catch (err) {
          console.error(err);
        }
      }
    })();
    return stopping;
  };
  const handler = (sig: string) => {
    if (stopping) process.exit(1);
    process.stderr.write(`\n${sig}: stopping…\n`);
    stop().then(() => process.exit(0), () => process.exit(1));
  };
  // SIGHUP too: closing the terminal a demo runs in should stop it as cleanly as Ctrl-C.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => handler(sig));
  return { signal: ac.signal, onStop: (fn: () => Promise<void> | void) => void stoppers.push(fn), stop };
}
type Shutdown = ReturnType<typeof shutdownOnSignal>;

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
    + ` · faults: offline ${f.offline}, bad ${f.bad}, hot ${f.overheat}, drain ${f.drain}`;
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

/** Provisions the scenario and runs it against `brokerUrl` until the shutdown; returns undefined if stopped before it ran. */
async function startSimulator(o: { config: Readonly<Config>; scenario: Scenario; brokerUrl: string; registry?: RegistryStore; connectConcurrency?: number; shutdown: Shutdown; beforeConnect?: (devices: SimDevice[]) => Promise<void> }): Promise<Simulator | undefined> {
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
  const sim = new Simulator({ brokerUrl: o.brokerUrl, devices, scenario: o.scenario, connectConcurrency: o.connectConcurrency, log: createLogger(o.config.logLevel) });
  const startedAt = Date.now();
  const window = [{ at: startedAt, acked: 0 }];
  const progress = startProgress(() => statsLine(sim.stats, startedAt, window));
  o.shutdown.onStop(async () => {
    await sim.stop();
    progress.stop();
    process.stderr.write(`${sim.stats.goodbyes}/${sim.stats.devices} devices published their offline status and disconnected\n`);
  });
  await sim.start();
  return sim;
}

export async function runSim(config: Readonly<Config>, o: SimCommandOptions): Promise<void> {
  const shutdown = shutdownOnSignal();
  const scenario = o.scenarioFile ? loadScenario(o.scenarioFile) : provinceScenario({ devices: o.devices, seed: o.seed, intervalS: o.intervalS, faultRate: o.faultRate });
  if (o.qos !== undefined) scenario.qos = o.qos;
  const sim = await startSimulator({ config, scenario, brokerUrl: o.brokerUrl, connectConcurrency: o.connectConcurrency, shutdown });
  if (sim && o.durationS !== undefined) setTimeout(() => void shutdown.stop().then(() => process.exit(0)), o.durationS * 1000);
}

/** A device of its own for the user to publish to by hand, so that the printed mosquitto_pub line works as it is. */
async function handDevice(stack: Stack): Promise<{ id: string; secret: string } | undefined> {
  const id = 'demo-sensor';
  const reg = stack.registry;
  const [room] = await reg.rooms();
  if (!room) return undefined;
  const secret = (await reg.device(id)) ? await reg.rotateSecret(id) : (await reg.addDevice({ id, kind: 'sensor', roomId: room.id, name: 'Cảm biến thử (mosquitto_pub)' })).secret!;
  return { id, secret };
}

function banner(stack: Stack, config: Readonly<Config>, password: string, hand: { id: string; secret: string } | undefined): string {
  const port = stack.broker!.port;
  const lines = [
    '',
    'EduFleet demo is running.',
    `  Dashboard:  ${stack.dashboard?.url ?? '(not started)'}`,
    `  Login:      admin / ${password}`,
    `  MQTT:       mqtt://localhost:${port}  (WebSocket ws://localhost:${stack.broker!.wsPort}/mqtt)`,
    `  InfluxDB:   ${stack.influxUrl}  (database ${config.influx.database})`,
  ];
  if (hand) {
    lines.push(
      `  Try:        mosquitto_pub -h localhost -p ${port} -i ${hand.id} -u ${hand.id} -P '${hand.secret}' -q 1 \\`,
      `                -t ${topics.telemetry(hand.id)} -m '{"temperature":31.5,"co2":1250,"occupancy":38}'`,
      `              (device ${hand.id}: a sensor in the first room; a wrong field, e.g. '{"temperature":"hot"}', is rejected)`,
    );
  }
  lines.push('  Stop:       Ctrl-C', '');
  return lines.join('\n');
}

/**
 * Backfills the last `days` days of the demo province (readings every 5 minutes, no faults) and analyses them, so
 * the room-usage screens have weeks to show from the first minute.
 */
async function demoHistory(stack: Stack, scenario: Scenario, devices: SimDevice[], days: number, signal: AbortSignal): Promise<void> {
  const to = localDate(Date.now());
  const from = addDays(to, -days);
  const started = Date.now();
  let p: BackfillProgress | undefined;
  const progress = startProgress(() => (p ? `history ${from} – ${to}: ${p.readingsAcked.toLocaleString('en-US')}/${p.readingsTotal.toLocaleString('en-US')} readings` : 'history: preparing'));
  try {
    await backfill({ brokerUrl: `mqtt://127.0.0.1:${stack.broker!.port}`, devices, scenario, from, to, intervalS: 300, signal, onProgress: (x) => { p = x; } });
  } finally {
    progress.stop();
  }
  if (signal.aborted || !stack.usage) return;
  // The gateway acknowledges once a reading is spooled; let the spool reach InfluxDB before analysing.
  for (const deadline = Date.now() + 120_000; (stack.gateway?.pendingBytes() ?? 0) > 0 && Date.now() < deadline;) await delay(200);
  const days_ = await stack.usage.analyser.analyseDays(from, addDays(to, 1));
  process.stderr.write(`history: ${days} day(s) of room use backfilled and analysed in ${Math.round((Date.now() - started) / 1000)} s (${days_.reduce((a, d) => a + d.intervals, 0)} intervals of use)\n`);
}

export async function runDemo(config: Readonly<Config>, o: DemoOptions): Promise<void> {
  const shutdown = shutdownOnSignal();
  const stack = await startProcess({ config, log: createLogger(config.logLevel) });
  shutdown.onStop(() => stack.stop());
  if (shutdown.signal.aborted) return;
  const password = randomBytes(9).toString('base64url');
  if (await stack.registry.userByName('admin')) await stack.registry.setPassword('admin', password);
  else await stack.registry.addUser({ username: 'admin', password, role: 'admin', displayName: 'Quản trị Sở GDĐT' });
  // Faults five times as often as the default, so that a demo shows technicians something to look at within a minute.
  const scenario = provinceScenario({ devices: o.devices, seed: o.seed, faultRate: 5 });
  await startSimulator({
    config, scenario, brokerUrl: `mqtt://127.0.0.1:${stack.broker!.port}`, registry: stack.registry, shutdown,
    beforeConnect: async (devices) => {
      const hand = await handDevice(stack).catch((err: Error) => {
        process.stderr.write(`no demo-sensor for mosquitto_pub: ${err.message}\n`);
        return undefined;
      });
      console.log(banner(stack, config, password, hand));
      if (o.historyDays > 0) await demoHistory(stack, scenario, devices, o.historyDays, shutdown.signal);
    },
  });
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
  const shutdown = shutdownOnSignal();
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

/**
 * The `sim` command and its `sim backfill` subcommand. main.ts calls this (the `sim` command's options are the same
 * as before; `sim backfill` is new).
 */
export function registerSimCommands(program: Command, config: () => Readonly<Config>): void {
  const sim = program.command('sim')
    .description('run simulated devices against a broker (provisioning them in the registry); `sim backfill` for history')
    .option('--scenario <file>', 'scenario file (JSON); it sets its own province, interval, faults and seed')
    .option('--devices <n>', 'about how many devices (generated province)', '1000')
    .option('--seed <n>', 'random seed (generated province)', '1')
    .option('--broker <url>', 'MQTT broker URL', 'mqtt://127.0.0.1:1883')
    .option('--interval <s>', 'seconds between readings of one device (generated province)', '10')
    .option('--fault-rate <x>', 'multiplier of the default fault rates, 0 = no faults (generated province)', '1')
    .option('--qos <0|1>', 'QoS of telemetry (overrides the scenario)')
    .option('--connect-concurrency <n>', 'connections opened at once while ramping up')
    .option('--duration <s>', 'stop after this many seconds (default: run until Ctrl-C)')
    .action(async (o: { scenario?: string; devices: string; seed: string; broker: string; interval: string; faultRate: string; qos?: string; connectConcurrency?: string; duration?: string }) => {
      if (o.qos !== undefined && o.qos !== '0' && o.qos !== '1') throw new Error(`--qos must be 0 or 1, got '${o.qos}'`);
      await runSim(config(), {
        scenarioFile: o.scenario, devices: Number(o.devices), seed: Number(o.seed), brokerUrl: o.broker,
        intervalS: Number(o.interval), faultRate: Number(o.faultRate), durationS: o.duration ? Number(o.duration) : undefined,
        qos: o.qos === undefined ? undefined : o.qos === '1' ? 1 : 0,
        connectConcurrency: o.connectConcurrency ? Number(o.connectConcurrency) : undefined,
      });
    });
  // `--scenario` and `--broker` belong to `sim` itself: commander gives them to the parent command wherever they
  // stand, so the subcommand reads them from there (optsWithGlobals).
  sim.command('backfill')
    .description('publish the history of past local days FROM to TO (exclusive) with past timestamps, and write the ground truth; '
      + 'takes --scenario FILE (required) and --broker URL like `sim`')
    .requiredOption('--from <yyyy-mm-dd>', 'first local day (inclusive)')
    .requiredOption('--to <yyyy-mm-dd>', 'local day after the last one (exclusive); must be today or earlier')
    .option('--truth <file.json>', 'write the ground truth (which room was in use in which period) here')
    .option('--interval-s <n>', 'seconds between readings while the school is open or the room in use', '60')
    .option('--faults', "apply the scenario's fault rates (default: no faults, no bad readings)")
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ scenario?: string; from: string; to: string; truth?: string; intervalS: string; faults?: boolean; broker: string }>();
      if (!o.scenario) throw new Error('sim backfill needs --scenario FILE');
      const intervalS = Number(o.intervalS);
      if (!(intervalS >= 0.05)) throw new Error(`--interval-s must be a number of seconds ≥ 0.05, got '${o.intervalS}'`);
      const r = await runBackfill(config(), { scenarioFile: o.scenario, from: o.from, to: o.to, brokerUrl: o.broker, truthFile: o.truth, intervalS, faults: o.faults === true });
      process.exit(r.errors ? 1 : 0);
    });
}
