/**
 * A node SIGKILLed under a connected fleet: seconds until the devices are connected again (to the other nodes), and
 * when the cluster's own view agrees: the presence hash (the dead node's devices marked offline by the dead-node
 * check, then online on their new node) and the survivors' heartbeats, which `edufleet nodes` lists.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { NODE_KEY_PATTERN, nodeKey, PRESENCE_KEY, type NodeHeartbeat } from '../../lib/cluster-keys.js';
import type { Redis } from '../../lib/redis.js';
import type { SimProcesses } from './cluster-sim.js';
import type { ClusterNode } from './cluster-stack.js';
import type { Failover } from './cluster-report.js';
import { cpuByProcess, cpuSecondsByCommand, machineCpuSeconds, processCpuSeconds, round } from './procs.js';

/** A failover that has not settled after this long is recorded as such, not waited for. */
const GIVE_UP_S = 180;

/** Devices per node name, from the presence hash. */
export async function presenceByNode(redis: Redis): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const node of Object.values(await redis.hgetall(PRESENCE_KEY))) out[node] = (out[node] ?? 0) + 1;
  return out;
}

/** Connections summed over the live heartbeats, as `edufleet nodes` reads them. */
async function heartbeatConnections(redis: Redis): Promise<number> {
  const keys = await redis.keys(NODE_KEY_PATTERN);
  const beats = await Promise.all(keys.map((k) => redis.get(k)));
  return beats.reduce((sum, b) => sum + ((b ? (JSON.parse(b) as NodeHeartbeat).connections : 0) ?? 0), 0);
}

/** The survivors' refusal and connection-error counters summed (`edufleet_mqtt_*_total{…}` lines of /metrics). */
async function refusals(nodes: ClusterNode[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of nodes) {
    const text = await fetch(`http://127.0.0.1:${n.managementPort}/metrics`).then((r) => r.text(), () => '');
    for (const m of text.matchAll(/^edufleet_mqtt_(refused|connect_refused|connection_errors)_total\{(\w+)="(\w+)"\} (\d+)/gm)) {
      const k = `${m[1]} ${m[3]}`;
      out[k] = (out[k] ?? 0) + Number(m[4]);
    }
  }
  return out;
}

const minus = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]).filter(([, v]) => v !== 0));

export async function measureFailover(o: { victim: ClusterNode; nodes: ClusterNode[]; sims: SimProcesses; redis: Redis; target: number; refusedByCap: number }): Promise<Failover> {
  const moved = (await presenceByNode(o.redis))[o.victim.name] ?? 0;
  const survivors = o.nodes.filter((n) => n !== o.victim && n.server).map((n) => n.server!.pid);
  const nodesCpu = () => survivors.reduce((a, pid) => a + processCpuSeconds(pid), 0);
  const [cpu0, sim0, machine0] = [nodesCpu(), o.sims.cpuSeconds(), machineCpuSeconds()];
  const bottom = o.sims.connected - moved;
  const alive = o.nodes.filter((n) => n !== o.victim && n.server);
  const [refused0, kinds0, byCommand0] = [await refusals(alive), o.sims.errorKinds(), cpuByProcess()];
  o.victim.kill();
  const killedAt = performance.now();
  const since = () => round((performance.now() - killedAt) / 1000, 1);
  // The simulators report every 100 ms: first see all of the dead node's links drop (the kernel closes its sockets at
  // once; a device waits 5–10 s before it tries the next address), then half of those that can move back.
  await Promise.race([o.sims.until((n) => n <= bottom), delay(10_000)]);
  const half = o.sims.until((n) => n >= bottom + (o.target - bottom) / 2).then(since);
  const settled = await Promise.race([o.sims.until((n) => n >= o.target).then(() => true), delay(GIVE_UP_S * 1000).then(() => false)]);
  const seconds = settled ? since() : null;
  const nodesCpuS = round(nodesCpu() - cpu0, 1);
  const simCpuS = round(o.sims.cpuSeconds() - sim0, 1);
  const byCommand = Object.fromEntries(Object.entries(cpuSecondsByCommand(byCommand0)).filter(([, v]) => v >= 0.5).map(([k, v]) => [k, round(v, 1)]));
  const why = { refusedAtNodes: minus(await refusals(alive), refused0), linkErrors: minus(o.sims.errorKinds(), kinds0), cpuSByCommand: byCommand };
  const machine1 = machineCpuSeconds();
  const otherPct = Math.max(0, round(((machine1.busy - machine0.busy - nodesCpuS - simCpuS) / Math.max(0.1, (performance.now() - killedAt) / 1000)) * 100, 0));
  // The cluster's view: no device left on the dead node, and every connected device in the hash.
  let presenceS: number | null = null;
  const presenceDeadline = performance.now() + 60_000;
  while (performance.now() < presenceDeadline) {
    const by = await presenceByNode(o.redis);
    const total = Object.values(by).reduce((a, b) => a + b, 0);
    if (!by[o.victim.name] && total === o.sims.connected) {
      presenceS = since();
      break;
    }
    await delay(500); // HGETALL of up to 60,000 fields: not in a tight loop
  }
  // A heartbeat is written every 2 s: wait one beat after the presence settled so every node's count is fresh.
  await delay(2_500);
  return {
    victim: o.victim.name, moved, target: o.target, refusedByCap: o.refusedByCap, seconds, halfS: await Promise.race([half, Promise.resolve(since())]),
    presenceS, heartbeatConnections: await heartbeatConnections(o.redis), deadHeartbeatGone: (await o.redis.exists(nodeKey(o.victim.name))) === 0,
    nodesCpuS, simCpuS, otherPct, ...why,
  };
}
