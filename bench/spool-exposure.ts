/**
 * What a node's permanent loss costs (issue 20, point 5): one `edufleet start --only broker,gateway` node with 1,000
 * tablets at the simulator's default pace (a reading every 10 s per device, ±20 % per device, as `edufleet sim`
 * runs them while a school is open; device-sim/scenario.ts `intervalS`), QoS 1. Its management /healthz is read every
 * second: the acknowledged data only in its spool (`spool.pendingBytes`, `spool.pendingPoints`,
 * `spool.oldestPendingMs`) in normal running, then during a 2-minute InfluxDB outage (growth per minute), then how
 * long the node takes to hand it all to InfluxDB once it is back. Writes bench/results/spool-exposure-latest.json;
 * docs/operations.md ("What a node's permanent loss costs") quotes it.
 *
 *   node --import tsx bench/spool-exposure.ts [--devices 1000] [--interval-s 10] [--normal-s 60] [--outage-s 120]
 *
 * Runs the compiled dist/ (`npm run build` first), as the other benchmarks do.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MqttClient } from 'mqtt';
import { ManagedInfluxd } from '../lib/influx/index.js';
import type { HealthReport } from '../lib/healthz.js';
import { freePort } from '../lib/net.js';
import { topics } from '../protocol/index.js';
import { provisionFleet, readingPayload, type BenchDevice } from './lib/fleet.js';
import { closeFleet, connectFleet } from './lib/load.js';
import { Cleanup, round, waitFor } from './lib/procs.js';
import { REPO_ROOT, startEdufleetChild } from './lib/servers.js';

interface Sample { t: number; pendingBytes: number; pendingPoints: number; oldestPendingMs: number; acked: number }
interface Phase { seconds: number; samples: number; acknowledged: number; pendingBytes: Stat; pendingPoints: Stat; oldestPendingMs: Stat }
interface Stat { median: number; p95: number; max: number }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stat = (xs: number[]): Stat => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? 0;
  return { median: at(0.5), p95: at(0.95), max: s.at(-1) ?? 0 };
};

/** Every device publishes one reading per `intervalMs` (its own pace, jittered ±20 %), counting each PUBACK. */
class PacedLoad {
  acked = 0;
  private running = true;
  private readonly loops: Promise<void>[];
  constructor(clients: MqttClient[], devices: BenchDevice[], intervalMs: number, baseTs: number) {
    this.loops = clients.map(async (c, i) => {
      await sleep(Math.random() * intervalMs); // spread over the interval, as real devices are
      for (let seq = 0; this.running; seq++) {
        await c.publishAsync(topics.telemetry(devices[i]!.id), readingPayload(baseTs, seq), { qos: 1 });
        this.acked += 1;
        await sleep(intervalMs * (0.8 + Math.random() * 0.4));
      }
    });
  }
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    devices: { type: 'string', default: '1000' }, 'interval-s': { type: 'string', default: '10' },
    'normal-s': { type: 'string', default: '60' }, 'outage-s': { type: 'string', default: '120' },
  } });
  const n = Number(values.devices);
  const intervalMs = Number(values['interval-s']) * 1000;
  const cleanup = new Cleanup();
  process.once('SIGINT', () => void cleanup.stopAll().then(() => process.exit(130)));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'edufleet-spool-exposure-'));
  cleanup.add('temporary directory', () => rmSync(tmp, { recursive: true, force: true }));
  try {
    const influxd = new ManagedInfluxd(path.join(tmp, 'influxdb'));
    const influxUrl = await influxd.start();
    cleanup.add('influxd', () => influxd.stop());
    const dataDir = path.join(tmp, 'node');
    mkdirSync(dataDir, { recursive: true });
    const devices = await provisionFleet(dataDir, n);
    const management = await freePort();
    const node = await startEdufleetChild({
      influxUrl, influxCredentials: influxd.credentials, database: 'edufleet', dataDir,
      // /healthz on a management port of its own.
      env: { EDUFLEET_NODE_MANAGEMENT_PORT: String(management) },
    }, cleanup);
    const healthz = async () => (await (await fetch(`http://127.0.0.1:${management}/healthz`)).json()) as HealthReport;
    const clients = await connectFleet(node.url, devices);
    cleanup.add('devices', () => closeFleet(clients));
    const load = new PacedLoad(clients, devices, intervalMs, Date.now() - 3_600_000);
    cleanup.add('load', () => load.stop());

    const t0 = Date.now();
    const sample = async (): Promise<Sample> => {
      const s = (await healthz()).spool!;
      return { t: round((Date.now() - t0) / 1000, 1), ...s, acked: load.acked };
    };
    const phase = async (seconds: number, everyMs: number): Promise<{ samples: Sample[]; summary: Phase }> => {
      const samples: Sample[] = [];
      const acked0 = load.acked;
      for (const end = Date.now() + seconds * 1000; Date.now() < end; await sleep(everyMs)) samples.push(await sample());
      const summary: Phase = {
        seconds, samples: samples.length, acknowledged: load.acked - acked0,
        pendingBytes: stat(samples.map((s) => s.pendingBytes)), pendingPoints: stat(samples.map((s) => s.pendingPoints)), oldestPendingMs: stat(samples.map((s) => s.oldestPendingMs)),
      };
      return { samples, summary };
    };

    // A full interval first, so every device is publishing at its pace.
    await sleep(intervalMs * 1.5);
    console.log(`spool-exposure: ${n} devices, a reading every ${intervalMs / 1000} s each; normal running for ${values['normal-s']} s`);
    const normal = await phase(Number(values['normal-s']), 1000);
    console.log(`spool-exposure: InfluxDB stopped for ${values['outage-s']} s`);
    await influxd.stop();
    const outage = await phase(Number(values['outage-s']), 5000);
    const first = outage.samples[0]!;
    const last = outage.samples.at(-1)!;
    const minutes = (last.t - first.t) / 60;
    await influxd.start();
    const back = Date.now();
    await waitFor(async () => (await healthz()).spool!.pendingBytes === 0, 'the spool drained', 600_000, 500);
    const drainS = round((Date.now() - back) / 1000, 1);
    await load.stop();

    const result = {
      benchmark: 'spool-exposure', date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', node: process.version },
      shape: { devices: n, intervalS: intervalMs / 1000, readingsPerS: round(n / (intervalMs / 1000), 1), qos: 1 },
      normal: normal.summary,
      outage: {
        ...outage.summary,
        perMinute: {
          bytes: round((last.pendingBytes - first.pendingBytes) / minutes), points: round((last.pendingPoints - first.pendingPoints) / minutes),
          acknowledged: round((last.acked - first.acked) / minutes),
        },
        atEnd: { pendingBytes: last.pendingBytes, pendingPoints: last.pendingPoints, oldestPendingMs: last.oldestPendingMs },
      },
      drainSeconds: drainS,
      samples: { normal: normal.samples, outage: outage.samples },
    };
    const out = path.join(REPO_ROOT, 'bench', 'results', 'spool-exposure-latest.json');
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    console.log(JSON.stringify({ normal: result.normal, outage: { perMinute: result.outage.perMinute, atEnd: result.outage.atEnd }, drainSeconds: drainS }, null, 2));
    console.log(`spool-exposure: wrote ${path.relative(REPO_ROOT, out)}`);
  } finally {
    await cleanup.stopAll();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
