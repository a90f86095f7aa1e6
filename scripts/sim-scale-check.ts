/**
 * Checks that one simulator process holds N devices (default 10,000) against a real EduFleet running as a separate
 * process, and prints the connect time, memory and acknowledged rate. Not a test (it takes a minute and its figures
 * are machine-dependent); the figures go into docs/simulator.md.
 * Run: node --import tsx scripts/sim-scale-check.ts [devices] [seconds]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { provinceScenario, provision, Simulator } from '../device-sim/index.js';
import { ManagedInfluxd } from '../lib/influxd.js';
import { SqliteRegistry } from '../registry/index.js';

const N = Number(process.argv[2] ?? 10_000);
const SECONDS = Number(process.argv[3] ?? 60);
const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-scale-'));
const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
const mb = (b: number) => `${Math.round(b / 1048576)} MB`;

try {
  const url = await influxd.start();
  const dataDir = path.join(dir, 'data');
  const scenario = provinceScenario({ devices: N, seed: 1, intervalS: 10 });
  const registry = SqliteRegistry.inDataDir(dataDir);
  let t = Date.now();
  const devices = await provision(registry, scenario, path.join(dataDir, 'sim-credentials.json'));
  registry.close();
  console.log(`provisioned ${devices.length} devices in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const child = spawn(process.execPath, ['bin/edufleet.mjs', 'start', '--only', 'broker,gateway'], {
    env: { ...process.env, EDUFLEET_DATA_DIR: dataDir, EDUFLEET_INFLUX_URL: url, EDUFLEET_MQTT_PORT: '0', EDUFLEET_MQTT_WS_PORT: '0', EDUFLEET_MQTT_HOST: '127.0.0.1', EDUFLEET_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); const m = /mqtt:\/\/localhost:(\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  try {
    const sim = new Simulator({ brokerUrl: `mqtt://127.0.0.1:${port}`, devices, scenario, connectConcurrency: 200 });
    t = Date.now();
    await sim.start();
    console.log(`connected ${sim.stats.connected}/${devices.length} in ${((Date.now() - t) / 1000).toFixed(1)} s; simulator RSS ${mb(process.memoryUsage().rss)}, heap ${mb(process.memoryUsage().heapUsed)}`);
    const a0 = sim.stats.acked;
    t = Date.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const rate = (sim.stats.acked - a0) / ((Date.now() - t) / 1000);
    console.log(`after ${SECONDS} s: connected ${sim.stats.connected}, acked ${(sim.stats.acked - a0)} readings (${rate.toFixed(0)}/s), errors ${sim.stats.errors}; simulator RSS ${mb(process.memoryUsage().rss)}`);
    await sim.stop();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
} finally {
  await influxd.stop();
  rmSync(dir, { recursive: true, force: true });
}
