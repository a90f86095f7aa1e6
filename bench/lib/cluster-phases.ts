/** Phases 2–4 of the cluster benchmark (bench/cluster.ts): the failover through HAProxy, CPU per reading, live. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from '../../lib/redis.js';
import { measureFailover, presenceByNode } from './cluster-failover.js';
import type { ClusterResults, CpuRun } from './cluster-report.js';
import { percentile } from './cluster-report.js';
import { SimProcesses } from './cluster-sim.js';
import type { BenchClusterStack } from './cluster-stack.js';
import { COUNT_FIELD, MEASUREMENT, provisionFleet, type BenchDevice } from './fleet.js';
import { InfluxHttp } from './influx-http.js';
import { launchBrowser, loggedIn, publishToDom } from './live-browser.js';
import { closeFleet, connectFleet, publishFleet } from './load.js';
import { processCpuSeconds, round, waitFor, waitForQuiet, type Cleanup } from './procs.js';
import { startEdufleetChild } from './servers.js';

export const BENCH_ADMIN = 'bench-admin';
export const BENCH_PASSWORD = 'mật-khẩu-bench-đủ-dài';
/** How long a node's CPU at rest is measured before each run. */
const REST_MS = 3_000;

/** Devices through HAProxy's one address (leastconn spreads them); the node holding the most is SIGKILLed. */
export async function failoverThroughHaproxy(stack: BenchClusterStack, cleanup: Cleanup, redis: Redis, devices: BenchDevice[], quick: boolean): Promise<ClusterResults['haproxy']> {
  const { proxy, url } = await stack.withHaproxy(devices.length + 100);
  await waitFor(async () => (await proxy.servers()).every((s) => s.status === 'UP'), 'every node up in HAProxy', 30_000, 200);
  // The previous phase's devices leave the presence hash as their goodbyes arrive.
  await waitFor(async () => Object.keys(await presenceByNode(redis)).length === 0, 'an empty presence hash', 60_000, 200);
  const sims = new SimProcesses(cleanup);
  await sims.open([{ devices, addresses: devices.map(() => [url]) }]);
  await sims.within((n) => n >= devices.length, 600_000, 'connecting through HAProxy');
  await waitFor(async () => Object.values(await presenceByNode(redis)).reduce((a, b) => a + b, 0) === devices.length, 'the HAProxy fleet in the presence hash', 60_000, 200);
  const spread = await presenceByNode(redis);
  const busiest = Object.entries(spread).sort((a, b) => b[1] - a[1])[0]![0];
  const victim = stack.nodes.find((n) => n.name === busiest)!;
  if (!quick) await waitForQuiet(25, 30_000);
  const f = await measureFailover({ victim, nodes: stack.nodes, sims, redis, target: devices.length, refusedByCap: 0 });
  await sims.close();
  await victim.start();
  return { ...f, spread };
}

const FROM = `"raw"."${MEASUREMENT}"`;

/** The CPU a process uses per second while nothing is asked of it (its timers, leases, heartbeats). */
async function restRate(pid: number, ms: number): Promise<number> {
  const cpu0 = processCpuSeconds(pid);
  const t0 = performance.now();
  await delay(ms);
  return (processCpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);
}

/**
 * One run: the load's devices connect, publish every reading at QoS 1, and the node's CPU until InfluxDB holds them all,
 * less what the node spends at rest over as long (measured just before, with the load's devices connected): a node of
 * a province's cluster carries background work a single test node has not (the lease of the alert engine over 60,000
 * devices, heartbeats, dead-node checks); that work is reported at rest, not charged to the readings.
 */
async function cpuRun(url: string, pid: number, influx: InfluxHttp, db: string, devices: BenchDevice[], perDevice: number): Promise<Omit<CpuRun, 'target'>> {
  const clients = await connectFleet(url, devices, 50);
  try {
    const before = await influx.count(db, FROM, COUNT_FIELD).catch(() => 0);
    const rest = await restRate(pid, REST_MS);
    const total = devices.length * perDevice;
    const cpu0 = processCpuSeconds(pid);
    const t0 = performance.now();
    await publishFleet(clients, devices, perDevice, 20, Date.now(), 1);
    await waitFor(async () => (await influx.count(db, FROM, COUNT_FIELD)) >= before + total, `${total} readings in ${db}`, 120_000, 200);
    const seconds = (performance.now() - t0) / 1000;
    const used = processCpuSeconds(pid) - cpu0;
    return {
      usPerReading: round((Math.max(0, used - rest * seconds) * 1e6) / total, 1), usPerReadingRaw: round((used * 1e6) / total, 1),
      restPct: round(rest * 100, 1), readings: total, seconds: round(seconds, 1),
    };
  } finally {
    await closeFleet(clients);
  }
}

/** A node of the cluster (node 1) vs a single node with its own SQLite registry and no Redis: same devices, same load. */
export async function cpuPerReading(stack: BenchClusterStack, cleanup: Cleanup, tmp: string, devices: BenchDevice[], o: { readingsPerDevice: number; rounds: number; quick: boolean }): Promise<ClusterResults['cpu']> {
  const dataDir = path.join(tmp, 'single');
  mkdirSync(dataDir, { recursive: true });
  const singleDevices = await provisionFleet(dataDir, devices.length);
  const influx = new InfluxHttp(stack.influxd.url ?? '', stack.influxd.credentials);
  const single = await startEdufleetChild({ influxUrl: influx.url, influxCredentials: stack.influxd.credentials, database: 'single', dataDir }, cleanup);
  const node = stack.nodes[0]!;
  const runs: CpuRun[] = [];
  // Warm-up, not counted: each side's first logins (scrypt, then verifiers) and its first writes.
  await cpuRun(node.url, node.server!.pid, influx, 'edufleet', devices, 10);
  await cpuRun(single.url, single.pid, influx, 'single', singleDevices, 10);
  for (let r = 0; r < o.rounds; r++) {
    const order = r % 2 === 0 ? (['cluster', 'single'] as const) : (['single', 'cluster'] as const);
    for (const target of order) {
      if (!o.quick) await waitForQuiet();
      const run = target === 'cluster'
        ? await cpuRun(node.url, node.server!.pid, influx, 'edufleet', devices, o.readingsPerDevice)
        : await cpuRun(single.url, single.pid, influx, 'single', singleDevices, o.readingsPerDevice);
      runs.push({ target, ...run });
    }
  }
  await single.stop();
  const med = (t: CpuRun['target']) => percentile(runs.filter((x) => x.target === t).map((x) => x.usPerReading), 50);
  const medianUs = { cluster: med('cluster'), single: med('single') };
  return { runs, medianUs, ratio: round(medianUs.cluster / Math.max(0.1, medianUs.single), 2) };
}

/** A reading published on node 1 → its value in a Chromium page served by dashboard 2 (bench/lib/live-browser.ts). */
export async function liveAcrossNodes(stack: BenchClusterStack, cleanup: Cleanup, device: BenchDevice, samples: number): Promise<ClusterResults['live']> {
  const dash = stack.dashboards[1] ?? stack.dashboards[0]!;
  const [client] = await connectFleet(stack.nodes[0]!.url, [device], 1);
  cleanup.add('live publisher', () => closeFleet([client!]));
  // A first value, so the device page has a storageFree cell to watch.
  await client!.publishAsync(`edu/v1/${device.id}/telemetry`, JSON.stringify({ ts: Date.now(), storageFree: 6_000_000 }), { qos: 1 });
  const browser = await launchBrowser();
  cleanup.add('Chromium (cluster)', () => browser.close());
  const admin = await loggedIn(browser, dash.url, BENCH_ADMIN, BENCH_PASSWORD);
  await admin.page.goto(`${dash.url}/devices/${device.id}`);
  await admin.page.getByTestId('field-storageFree').waitFor({ timeout: 60_000 });
  await delay(1_000);
  const latency = await publishToDom(admin.page, client!, device.id, samples);
  await browser.close();
  return { samples: latency, p50: percentile(latency, 50), p95: percentile(latency, 95), max: Math.max(...latency), publishedOn: stack.nodes[0]!.name, dashboard: dash === stack.dashboards[1] ? 'dash-2' : 'dash-1' };
}
