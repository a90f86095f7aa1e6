/**
 * Throwaway: the cluster benchmark's failover alone, with every child process under `--cpu-prof` (NODE_OPTIONS), and
 * each profile summarised over the failover window only (V8 profile times and process.hrtime are both CLOCK_MONOTONIC).
 * Usage: BENCH_CPU_PROF_DIR=/tmp/fprof [BENCH_DASHBOARDS=2] node --import tsx bench/experiments/failover-profile.ts [perNode]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createLogger } from '../../lib/logger.js';
import { openRedis } from '../../lib/redis.js';
import { measureFailover, presenceByNode } from '../lib/cluster-failover.js';
import { clusterSlices, SimProcesses } from '../lib/cluster-sim.js';
import { startClusterStack } from '../lib/cluster-stack.js';
import { provisionFleet, type BenchDevice } from '../lib/fleet.js';
import { Cleanup, CPU_PROF_DIR, raiseOwnFileLimit, waitFor } from '../lib/procs.js';
import { summarizeProfile } from '../lib/profile.js';
import { REPO_ROOT } from '../lib/servers.js';

const perNode = Number(process.argv[2] ?? 15_000);
const profDir = CPU_PROF_DIR;
const cleanup = new Cleanup();
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const openFiles = raiseOwnFileLimit().soft;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'edufleet-failover-prof-'));
  let all: BenchDevice[] = [];
  const stack = await startClusterStack({ dir: tmp, nodes: 4, dashboards: Number(process.env.BENCH_DASHBOARDS ?? 0), async beforeNodes(url) { all = await provisionFleet(path.join(tmp, 'p'), perNode * 4, url); } }, cleanup);
  const redis = openRedis(stack.redis.url, { name: 'bench', log: createLogger('silent') });
  await redis.connect();
  const urls = stack.nodes.map((n) => n.url);
  const sims = new SimProcesses(cleanup);
  const t = performance.now();
  await sims.open(clusterSlices(all, urls, perNode, 4));
  await sims.within((n) => n >= perNode * 4, 900_000, 'connecting');
  console.log(`connected ${perNode * 4} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await waitFor(async () => Object.values(await presenceByNode(redis)).reduce((a, b) => a + b, 0) === perNode * 4, 'presence', 60_000, 500);
  await delay(5_000);
  const cap = openFiles - 1024;
  const target = Math.min(perNode * 4, 3 * cap);
  const from = nowUs();
  const f = await measureFailover({ victim: stack.nodes[1]!, nodes: stack.nodes, sims, redis, target, refusedByCap: perNode * 4 - target });
  const to = from + (f.seconds ?? 180) * 1e6;
  console.log(JSON.stringify(f));
  const pids = new Map<number, string>([...stack.nodes.filter((n) => n.server).map((n) => [n.server!.pid, n.name] as [number, string]), ...sims.pids.map((p, i) => [p, `sim-${i + 1}`] as [number, string]), ...stack.dashboards.map((d, i) => [d.pid, `dash-${i + 1}`] as [number, string])]);
  await sims.close();
  redis.disconnect();
  await cleanup.stopAll();
  rmSync(tmp, { recursive: true, force: true });
  if (!profDir) return;
  for (const file of readdirSync(profDir)) {
    const pid = Number(/CPU\.\d+\.\d+\.(\d+)\./.exec(file)?.[1]);
    const role = pids.get(pid);
    if (!role) continue;
    const prof = JSON.parse(readFileSync(path.join(profDir, file), 'utf8')) as { samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
    let ts = prof.startTime;
    const keep: number[] = [];
    const deltas: number[] = [];
    prof.samples.forEach((id, i) => {
      ts += prof.timeDeltas[i]!;
      if (ts >= from && ts <= to) { keep.push(id); deltas.push(prof.timeDeltas[i]!); }
    });
    const cut = path.join(profDir, `${role}.window.cpuprofile`);
    writeFileSync(cut, JSON.stringify({ ...prof, samples: keep, timeDeltas: deltas }));
    const s = summarizeProfile(cut, REPO_ROOT, 30);
    console.log(`\n== ${role}: busy ${s.busyMs} ms of ${s.totalMs} ms in the window`);
    for (const a of s.areas.slice(0, 12)) console.log(`  ${a.area.padEnd(40)} ${String(a.ms).padStart(7)} ms ${a.pct} %`);
    for (const x of s.top.slice(0, 30)) console.log(`    ${x.name.slice(0, 40).padEnd(40)} ${x.where.slice(0, 60).padEnd(60)} ${String(x.ms).padStart(6)} ms ${x.pct} %`);
  }
}

main().catch(async (err: unknown) => { console.error(err); await cleanup.stopAll(); process.exit(1); });
