/**
 * Checks by hand that one simulator process holds N devices (default 10,000) against a real EduFleet running as a
 * separate process (broker + gateway + managed InfluxDB), and prints provisioning and connect times, memory, event-loop
 * delay, the acknowledged rate and the time a clean stop takes. Not a test: it takes minutes and its figures depend on
 * the machine; they go into docs/simulator.md.
 *
 *   node --import tsx device-sim/scale-check.ts [devices=10000] [seconds=60] [connectConcurrency=100]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ManagedInfluxd } from '../lib/influx/index.js';
import { writePrivateFile } from '../lib/private-files.js';
import { openRegistryStore } from '../registry/index.js';
import { provinceScenario } from './province.js';
import { provision } from './provision.js';
import { Simulator } from './simulator.js';

const N = Number(process.argv[2] ?? 10_000);
const SECONDS = Number(process.argv[3] ?? 60);
const CONCURRENCY = Number(process.argv[4] ?? 100);
const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-scale-'));
const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
const mb = (b: number) => `${Math.round(b / 1048576)} MB`;
const secs = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const memory = () => `RSS ${mb(process.memoryUsage().rss)}, heap ${mb(process.memoryUsage().heapUsed)}`;

/** Starts `edufleet start --only broker,gateway` as a child and resolves with it and its MQTT port. */
async function startServer(dataDir: string, influxUrl: string) {
  const configFile = path.join(dir, 'edufleet.json');
  // The managed influxd requires its credential; the config file holds it, so it is written 0600.
  writePrivateFile(configFile, JSON.stringify({ dataDir, logLevel: 'warn', influx: { url: influxUrl, ...influxd.credentials }, mqtt: { host: '127.0.0.1', port: 0, wsPort: 0 } }));
  const child = spawn(process.execPath, ['--max-semi-space-size=64', 'bin/edufleet.mjs', '--config', configFile, 'start', '--only', 'broker,gateway'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /mqtt:\/\/localhost:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, port };
}

console.log(`machine: ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, ${mb(os.totalmem())} RAM, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; node ${process.version}`);
try {
  const influxUrl = await influxd.start();
  const dataDir = path.join(dir, 'data');
  const scenario = provinceScenario({ devices: N, seed: 1, intervalS: 10, faultRate: 1 });
  // SQLite in the data directory: the server started below opens the same files.
  const registry = await openRegistryStore({ dataDir });
  let t = Date.now();
  const devices = await provision(registry, scenario, path.join(dataDir, 'sim-credentials.json'));
  await registry.close();
  console.log(`provisioned ${devices.length} devices (${scenario.schools.length} schools) in ${secs(t)}`);

  const { child, port } = await startServer(dataDir, influxUrl);
  try {
    const base = process.memoryUsage().rss;
    const sim = new Simulator({ brokerUrl: `mqtt://127.0.0.1:${port}`, devices, scenario, connectConcurrency: CONCURRENCY });
    const loop = monitorEventLoopDelay({ resolution: 10 });
    t = Date.now();
    await sim.start();
    console.log(`connected ${sim.stats.connected}/${devices.length} in ${secs(t)} (${CONCURRENCY} at a time); ${memory()}; ~${Math.round((process.memoryUsage().rss - base) / devices.length / 1024)} kB per device`);
    loop.enable();
    const a0 = sim.stats.acked;
    t = Date.now();
    await delay(SECONDS * 1000);
    loop.disable();
    const rate = (sim.stats.acked - a0) / ((Date.now() - t) / 1000);
    console.log(`after ${SECONDS} s: connected ${sim.stats.connected} (asleep ${sim.stats.sleeping}), ${sim.stats.acked - a0} readings acknowledged (${rate.toFixed(0)}/s), errors ${sim.stats.errors}, faults ${JSON.stringify(sim.stats.faults)}; ${memory()}`);
    // The histogram counts from the start of each 10 ms sample: what lies beyond it is the loop's own delay.
    const lag = (ns: number) => `${Math.max(0, ns / 1e6 - 10).toFixed(1)} ms`;
    console.log(`event-loop delay beyond the 10 ms sampling: p50 ${lag(loop.percentile(50))}, p99 ${lag(loop.percentile(99))}, max ${lag(loop.max)}`);
    t = Date.now();
    await sim.stop();
    console.log(`clean stop in ${secs(t)}: ${sim.stats.goodbyes}/${devices.length} devices published offline and disconnected; the rest go by their Last Will`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
} finally {
  await influxd.stop();
  rmSync(dir, { recursive: true, force: true });
}
