/**
 * Issue 13 items 5 and 7: the reconnect storm and the cost of connections. One fleet of simulated devices (the
 * simulator's links, bench/lib/storm-fleet.ts) against `edufleet start --only broker,gateway` in a child process,
 * both with the open-file limit docs/operations.md sets (LimitNOFILE=65536):
 *   connections: RSS of the child with no device and with all connected, and its CPU at rest with all connected;
 *   storm: the child is SIGKILLed and started again on the same data directory and port; the seconds from that
 *          restart until every device is connected again, and the CPU the child and the load generator spent.
 * Writes bench/results/storm-latest.json (+ a dated copy); docs/benchmarks.md shows it (renderStormSection).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ManagedInfluxd } from '../lib/influx/index.js';
import { freePort } from '../lib/net.js';
import { provisionFleet } from './lib/fleet.js';
import { machineCpuSeconds, OPEN_FILES, processCpuSeconds, raiseOwnFileLimit, round, waitForQuiet, type Cleanup } from './lib/procs.js';
import { REPO_ROOT, startEdufleetChild, type RunningServer } from './lib/servers.js';
import { StormFleet } from './lib/storm-fleet.js';
import { readRssKib, renderStorm, type StormResults, type StormRun } from './lib/storm-report.js';

export type { StormResults } from './lib/storm-report.js';

const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const RESULTS_FILE = path.join(RESULTS_DIR, 'storm-latest.json');
const TARGET_S = 30;
/** A storm that has not settled after this long is recorded as such, not waited for. */
const GIVE_UP_S = 180;

export interface StormOptions {
  /** Devices connected for the connections figures (item 7). */
  devices?: number;
  /** Devices in the storm (item 5): the first ones of the fleet; the others are dropped before. */
  stormDevices?: number;
  restarts?: number;
  /** Seconds over which CPU at rest is measured. */
  idleS?: number;
  /** Profile the restarted children (`node --cpu-prof`): the last one writes its profile here when it is stopped. */
  cpuProfDir?: string;
  log?: (s: string) => void;
}

/** Sockets kept free in each process beside the devices' (the child's reserve is mqtt.fileReserve, 1,024). */
const FILE_MARGIN = 1_500;

export async function benchStorm(cleanup: Cleanup, o: StormOptions = {}): Promise<StormResults> {
  // The child inherits this limit: it is what the unit gives EduFleet (and the child raises soft to hard anyway).
  const openFiles = raiseOwnFileLimit().soft;
  const wanted = o.devices ?? 20_000;
  // Both processes hold one socket per device: beyond the limit less a margin, the broker's cap would refuse some.
  const devices = Math.min(wanted, Math.floor((openFiles - FILE_MARGIN) / 1000) * 1000);
  const stormDevices = Math.min(devices, o.stormDevices ?? 15_000);
  const restarts = o.restarts ?? 3;
  const idleS = o.idleS ?? 30;
  const log = o.log ?? ((s: string) => console.log(`bench(storm): ${s}`));
  if (devices < wanted) log(`open-file limit ${openFiles} (could not raise it to ${OPEN_FILES}): ${devices} devices instead of ${wanted}`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'edufleet-storm-'));
  cleanup.add('storm directory', () => rmSync(tmp, { recursive: true, force: true }));
  const influxd = new ManagedInfluxd(path.join(tmp, 'influxdb'));
  cleanup.add('influxd', () => influxd.stop());
  const influxUrl = await influxd.start();
  const dataDir = path.join(tmp, 'data');
  mkdirSync(dataDir, { recursive: true });
  log(`provisioning ${devices} devices (scrypt per secret, once)`);
  const fleetDevices = await provisionFleet(dataDir, devices);
  const port = await freePort();
  const start = (prof?: string) => startEdufleetChild({ influxUrl, influxCredentials: influxd.credentials, database: 'edufleet', dataDir, env: { EDUFLEET_MQTT_PORT: String(port) }, ...(prof ? { cpuProfDir: prof } : {}) }, cleanup);

  let child: RunningServer = await start();
  await delay(2000);
  const rssEmptyKib = readRssKib(child.pid);
  const fleet = new StormFleet(fleetDevices, () => [child.url]);
  cleanup.add('storm fleet', () => fleet.close());
  const t0 = performance.now();
  await fleet.open(devices);
  await fleet.until((n) => n === devices);
  log(`${devices} devices connected in ${round((performance.now() - t0) / 1000, 1)} s (first logins: scrypt, then verifiers saved)`);
  await delay(5000);
  const idleCpu0 = processCpuSeconds(child.pid);
  const idleT0 = performance.now();
  await delay(idleS * 1000);
  const idleCpuPct = round(((processCpuSeconds(child.pid) - idleCpu0) / ((performance.now() - idleT0) / 1000)) * 100, 1);
  const rssFullKib = readRssKib(child.pid);
  const connections = {
    devices, rssEmptyMib: round(rssEmptyKib / 1024, 1), rssFullMib: round(rssFullKib / 1024, 1),
    kibPerDevice: round((rssFullKib - rssEmptyKib) / devices, 1), idleCpuPct, idleS,
  };
  log(`connections: ${JSON.stringify(connections)}`);

  fleet.dropFrom(stormDevices);
  await fleet.until((n) => n === stormDevices);
  const runs: StormRun[] = [];
  for (let r = 1; r <= restarts; r++) {
    await waitForQuiet(25, 30_000);
    process.kill(child.pid, 'SIGKILL');
    await fleet.until((n) => n === 0);
    const restartAt = performance.now();
    const load0 = process.cpuUsage();
    const machine0 = machineCpuSeconds();
    child = await start(o.cpuProfDir);
    const listeningS = (performance.now() - restartAt) / 1000;
    const half = fleet.until((n) => n >= stormDevices / 2).then(() => performance.now());
    const settled = await Promise.race([fleet.until((n) => n === stormDevices).then(() => true), delay(GIVE_UP_S * 1000).then(() => false)]);
    const end = performance.now();
    const load = process.cpuUsage(load0);
    const machine1 = machineCpuSeconds();
    const wallS = (end - restartAt) / 1000;
    const run: StormRun = {
      seconds: settled ? round((end - restartAt) / 1000, 1) : null, connected: fleet.connected, listeningS: round(listeningS, 1),
      halfS: round(((await Promise.race([half, Promise.resolve(end)])) - restartAt) / 1000, 1),
      childCpuS: round(processCpuSeconds(child.pid), 1), loadCpuS: round((load.user + load.system) / 1e6, 1),
    };
    // What the rest of the machine took meanwhile, in % of a core: the box may be shared.
    run.otherPct = Math.max(0, round(((machine1.busy - machine0.busy - run.childCpuS - run.loadCpuS) / wallS) * 100, 0));
    runs.push(run);
    log(`restart ${r}: ${JSON.stringify(run)}`);
    if (!settled) break;
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? null;
  const settledRuns = runs.filter((r) => r.seconds !== null);
  const medians = {
    seconds: settledRuns.length === runs.length ? med(runs.map((r) => r.seconds!)) : null,
    childCpuS: med(runs.map((r) => r.childCpuS)), loadCpuS: med(runs.map((r) => r.loadCpuS)),
  };
  await fleet.close();
  return {
    benchmark: 'storm', date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown', node: process.version },
    shape: { devices, wantedDevices: wanted, stormDevices, restarts, openFiles, reconnect: 'device-sim links: 5 s + 0–5 s per device, status + attributes (retained, QoS 1) and the command subscription on every connect' },
    connections, runs, medians, targetS: TARGET_S, met: medians.seconds !== null && medians.seconds <= TARGET_S,
  };
}

export function saveStormResults(r: StormResults, scratch = false): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = JSON.stringify(r, null, 2) + '\n';
  if (scratch) return writeFileSync(path.join(RESULTS_DIR, 'storm-quick.tmp.json'), json);
  writeFileSync(path.join(RESULTS_DIR, `storm-${r.date.slice(0, 10)}.json`), json);
  writeFileSync(RESULTS_FILE, json);
}

/** The section of docs/benchmarks.md, when the storm benchmark has been run (called from bench/lib/report.ts). */
export function renderStormSection(r: StormResults | undefined = existsSync(RESULTS_FILE) ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as StormResults) : undefined): string[] {
  return r ? renderStorm(r) : [];
}
