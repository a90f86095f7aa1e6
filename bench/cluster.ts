/**
 * Issue 20's benchmarks, side by side in one run, on one machine: 4 broker nodes and 2 dashboards on one PostgreSQL,
 * one Redis and one InfluxDB (bench/lib/cluster-stack.ts), the devices in simulator processes of ≤ 15,000 links each
 * (bench/lib/cluster-sim.ts), every process under its own open-file limit (20,000 here, not raisable):
 *   1. 60,000 devices, 15,000 straight to each node: time to connect, RSS per connection and CPU at rest per node;
 *      then one node SIGKILLed: seconds until its devices are connected to the others, and the presence hash and the
 *      heartbeats agreeing;
 *   2. the same failover through HAProxy (PROXY v2, health checks on /healthz) with what one HAProxy process holds;
 *   3. CPU per durable reading of a node in the cluster vs a single node without Redis (SQLite), interleaved rounds;
 *   4. publish on node 1 → value in a Chromium page served by a dashboard process, p50 / p95.
 * Writes bench/results/cluster-latest.json (+ a dated copy); docs/benchmarks.md shows it (renderClusterSection).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createLogger } from '../lib/logger.js';
import { openRedis } from '../lib/redis.js';
import { openRegistryStore } from '../registry/index.js';
import { CLUSTER_TARGET, renderCluster, type ClusterResults, type ProcFigure } from './lib/cluster-report.js';
import { measureFailover, presenceByNode } from './lib/cluster-failover.js';
import { BENCH_ADMIN, BENCH_PASSWORD, cpuPerReading, failoverThroughHaproxy, liveAcrossNodes } from './lib/cluster-phases.js';
import { clusterSlices, SimProcesses } from './lib/cluster-sim.js';
import { startClusterStack } from './lib/cluster-stack.js';
import { provisionFleet, type BenchDevice } from './lib/fleet.js';
import { CpuMeter, processCpuSeconds, raiseOwnFileLimit, round, waitFor, waitForQuiet, type Cleanup } from './lib/procs.js';
import { REPO_ROOT } from './lib/servers.js';
import { readRssKib } from './lib/storm-report.js';

export type { ClusterResults } from './lib/cluster-report.js';

const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const RESULTS_FILE = path.join(RESULTS_DIR, 'cluster-latest.json');
/** The broker's mqtt.fileReserve: a node's connection cap is its open-file limit less this. */
const NODE_FILE_RESERVE = 1_024;
/** Sockets kept free in a simulator process beside its links, and in HAProxy per proxied connection (2 files). */
const SIM_MARGIN = 1_500;

export interface ClusterOptions {
  quick?: boolean;
  /** Devices per node (15,000 for 60,000 on 4 nodes). */
  perNode?: number;
  nodes?: number;
  proxyDevices?: number;
  loadDevices?: number;
  readingsPerDevice?: number;
  rounds?: number;
  samples?: number;
  idleS?: number;
  log?: (s: string) => void;
}

const mib = (kib: number) => round(kib / 1024, 1);

export async function benchCluster(cleanup: Cleanup, o: ClusterOptions = {}): Promise<ClusterResults> {
  const quick = o.quick ?? false;
  const log = o.log ?? ((s: string) => console.log(`bench(cluster): ${s}`));
  const openFiles = raiseOwnFileLimit().soft;
  const nodesN = o.nodes ?? 4;
  const perNode = Math.min(o.perNode ?? (quick ? 500 : 15_000), openFiles - SIM_MARGIN);
  const devices = perNode * nodesN;
  const proxyDevices = Math.min(o.proxyDevices ?? (quick ? 500 : 9_000), Math.floor((openFiles - SIM_MARGIN) / 2));
  const loadDevices = o.loadDevices ?? (quick ? 50 : 200);
  const readingsPerDevice = o.readingsPerDevice ?? (quick ? 100 : 1_000);
  const rounds = o.rounds ?? (quick ? 1 : 3);
  const samples = o.samples ?? (quick ? 10 : 100);
  const idleS = o.idleS ?? (quick ? 5 : 30);
  const cap = openFiles - NODE_FILE_RESERVE;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'edufleet-cluster-bench-'));
  cleanup.add('cluster directory', () => rmSync(tmp, { recursive: true, force: true }));

  // The load devices (phase 3 and 4) come first; the fleet's devices after them.
  let all: BenchDevice[] = [];
  const t0 = performance.now();
  const stack = await startClusterStack({
    dir: tmp, nodes: nodesN, dashboards: 2,
    async beforeNodes(registryUrl) {
      all = await provisionFleet(path.join(tmp, 'provision'), loadDevices + devices, registryUrl);
      const reg = await openRegistryStore({ url: registryUrl, dataDir: path.join(tmp, 'provision') });
      try { await reg.addUser({ username: BENCH_ADMIN, password: BENCH_PASSWORD, role: 'admin' }); } finally { await reg.close(); }
    },
  }, cleanup);
  log(`${loadDevices + devices} devices provisioned, ${nodesN} nodes and 2 dashboards up in ${round((performance.now() - t0) / 1000, 1)} s`);
  const redis = openRedis(stack.redis.url, { name: 'bench', log: createLogger('silent') });
  await redis.connect();
  cleanup.add('bench Redis client', () => void redis.disconnect());
  const loadFleet = all.slice(0, loadDevices);
  const fleet = all.slice(loadDevices);
  const redisCpu0 = processCpuSeconds(stack.redis.pid()!);
  const dashCpu0 = stack.dashboards.map((d) => processCpuSeconds(d.pid));

  // 1. Connections: every node's share straight to its address, each device with the others to fall back to.
  await delay(2_000);
  const rssEmpty = stack.nodes.map((n) => readRssKib(n.server!.pid));
  if (!quick) await waitForQuiet();
  const urls = stack.nodes.map((n) => n.url);
  const sims = new SimProcesses(cleanup);
  const t = performance.now();
  await sims.open(clusterSlices(fleet, urls, perNode, nodesN));
  await sims.within((n) => n >= devices, 900_000, 'connecting the fleet');
  const connect = { seconds: round((performance.now() - t) / 1000, 1), errors: sims.errors };
  log(`${devices} devices connected in ${connect.seconds} s`);
  await waitFor(async () => Object.values(await presenceByNode(redis)).reduce((a, b) => a + b, 0) === devices, 'every device in the presence hash', 60_000, 500);
  await delay(quick ? 1_000 : 5_000);
  const roles = {
    ...Object.fromEntries(stack.nodes.map((n) => [n.name, n.server!.pid])), redis: stack.redis.pid()!,
    ...Object.fromEntries(stack.dashboards.map((d, i) => [`dash-${i + 1}`, d.pid])),
    ...Object.fromEntries(sims.pids.map((pid, i) => [`sim-${i + 1}`, pid])), ...(stack.influxdPid ? { influxd: stack.influxdPid } : {}),
  };
  const meter = new CpuMeter(roles);
  meter.start();
  await delay(idleS * 1000);
  const idle = meter.stop();
  // CpuMeter rounds to whole percents; at rest a node takes a few, so keep a decimal.
  const restPct = (role: string) => round(((idle.cpuS[role] ?? 0) / idle.wallS) * 100, 1);
  const nodes = stack.nodes.map((n, k) => {
    const full = readRssKib(n.server!.pid);
    return { name: n.name, devices: perNode, rssEmptyMib: mib(rssEmpty[k]!), rssFullMib: mib(full), kibPerDevice: round((full - rssEmpty[k]!) / perNode, 1), idleCpuPct: restPct(n.name) };
  });
  const atRest = (pid: number, role: string): ProcFigure => ({ rssMib: mib(readRssKib(pid)), cpuPct: restPct(role) });
  const redisAtRest = atRest(stack.redis.pid()!, 'redis');
  const dashAtRest = stack.dashboards.map((d, i) => atRest(d.pid, `dash-${i + 1}`));
  log(`at rest: ${JSON.stringify(nodes)}; other processes ${idle.cores['other processes']} %`);

  // 1b. One node SIGKILLed: its devices go to the others, as far as the survivors' caps allow.
  if (!quick) await waitForQuiet(25, 30_000);
  const victim = stack.nodes[1]!;
  const target = Math.min(devices, (nodesN - 1) * cap);
  const failover = await measureFailover({ victim, nodes: stack.nodes, sims, redis, target, refusedByCap: devices - target });
  log(`failover: ${JSON.stringify(failover)}`);
  await sims.close();
  await victim.start();

  // 2. The same through HAProxy, with as many devices as one HAProxy process holds (2 files per connection).
  const haproxy = await failoverThroughHaproxy(stack, cleanup, redis, fleet.slice(0, proxyDevices), quick);
  log(`through HAProxy: ${JSON.stringify(haproxy)}`);

  // 3. CPU per durable reading: a node of the cluster vs a single node (SQLite, no Redis), interleaved rounds.
  const cpu = await cpuPerReading(stack, cleanup, tmp, loadFleet, { readingsPerDevice, rounds, quick });
  log(`CPU per durable reading: ${JSON.stringify(cpu.medianUs)}, ratio ${cpu.ratio}`);

  // 4. Publish on node 1 → live in Chromium on dashboard 2.
  const live = await liveAcrossNodes(stack, cleanup, loadFleet[0]!, samples);
  log(`publish → live p50 ${live.p50} ms, p95 ${live.p95} ms`);

  const support = {
    redis: { ...redisAtRest, cpuS: round(processCpuSeconds(stack.redis.pid()!) - redisCpu0, 1) },
    dashboards: stack.dashboards.map((d, i) => ({ name: `dash-${i + 1}`, ...dashAtRest[i]!, rssMib: Math.max(dashAtRest[i]!.rssMib, mib(readRssKib(d.pid))), cpuS: round(processCpuSeconds(d.pid) - dashCpu0[i]!, 1) })),
  };
  const okFailover = (s: number | null) => s !== null && s < CLUSTER_TARGET.failoverS;
  return {
    benchmark: 'cluster', date: new Date().toISOString(), quick,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown', node: process.version },
    shape: { nodes: nodesN, dashboards: 2, devices, perNode, simProcesses: nodesN, openFiles, connectionCap: cap, proxyDevices, loadDevices, readingsPerDevice, rounds, samples },
    connect, nodes, idle: { seconds: idleS, cores: idle.cores }, failover, haproxy, cpu, live, support,
    met: { failover: okFailover(failover.seconds), haproxy: okFailover(haproxy.seconds), cpu: cpu.ratio <= CLUSTER_TARGET.cpuRatio, live: live.p95 < CLUSTER_TARGET.liveP95Ms },
  };
}

export function saveClusterResults(r: ClusterResults): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = JSON.stringify(r, null, 2) + '\n';
  if (r.quick) {
    const scratch = path.join(RESULTS_DIR, 'cluster-quick.tmp.json');
    writeFileSync(scratch, json);
    return scratch;
  }
  writeFileSync(path.join(RESULTS_DIR, `cluster-${r.date.slice(0, 10)}.json`), json);
  writeFileSync(RESULTS_FILE, json);
  return RESULTS_FILE;
}

/** The section of docs/benchmarks.md, when the cluster benchmark has been run (called from bench/lib/report.ts). */
export function renderClusterSection(r: ClusterResults | undefined = existsSync(RESULTS_FILE) ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as ClusterResults) : undefined): string[] {
  return r ? renderCluster(r) : [];
}
