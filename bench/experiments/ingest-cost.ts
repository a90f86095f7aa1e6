/**
 * EduFleet's own cost per reading, without MQTT: gateway.ingest called in-process (200 devices, 20 readings in
 * flight each, as the end-to-end scenario) into the real spool, writer loop and a managed influxd. Measures this
 * process's CPU per reading from the first ingest until the spool is written out. Use it to try ingest-path changes
 * in seconds; the end-to-end figure (bench/run.ts) is the one the docs quote.
 *   node --import tsx bench/experiments/ingest-cost.ts [--devices 200] [--messages 750] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startStack } from '../../app/stack.js';
import { loadConfig } from '../../config/index.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { provisionFleet, readingPayload } from '../lib/fleet.js';

const { values: args } = parseArgs({ options: { devices: { type: 'string', default: '200' }, messages: { type: 'string', default: '750' }, rounds: { type: 'string', default: '3' } } });
const devicesN = Number(args.devices), perDevice = Number(args.messages), WINDOW = 20;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'edufleet-ingest-cost-'));
const influxd = new ManagedInfluxd(path.join(tmp, 'influxdb'));
try {
  const influxUrl = await influxd.start();
  for (let round = 1; round <= Number(args.rounds); round++) {
    const dataDir = path.join(tmp, `data-${round}`);
    const devices = await provisionFleet(dataDir, devicesN);
    const config = loadConfig({ env: { EDUFLEET_INFLUX_URL: influxUrl, EDUFLEET_INFLUX_USERNAME: influxd.credentials!.username, EDUFLEET_INFLUX_PASSWORD: influxd.credentials!.password, EDUFLEET_INFLUX_DATABASE: `cost${round}`, EDUFLEET_DATA_DIR: dataDir, EDUFLEET_MQTT_HOST: '127.0.0.1', EDUFLEET_MQTT_PORT: '0', EDUFLEET_MQTT_WS_PORT: '0', EDUFLEET_LOG_LEVEL: 'warn' } });
    const stack = await startStack({ config, only: ['broker', 'gateway'] });
    const gateway = stack.gateway!;
    const baseTs = Date.now();
    const payloads = Array.from({ length: perDevice }, (_, i) => Buffer.from(readingPayload(baseTs, i)));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(devices.map(async (d) => {
      let seq = 0;
      const lane = async () => { while (seq < perDevice) { const s = seq++; await gateway.ingest(d.id, 'telemetry', payloads[s]!); } };
      await Promise.all(Array.from({ length: WINDOW }, lane));
    }));
    const acked = performance.now();
    while (gateway.pendingBytes() > 0) await new Promise((r) => setTimeout(r, 5));
    const cpu = process.cpuUsage(cpu0);
    const total = devicesN * perDevice;
    console.log(`round ${round}: ${(((cpu.user + cpu.system)) / total).toFixed(2)} µs/reading (user ${(cpu.user / total).toFixed(2)}, sys ${(cpu.system / total).toFixed(2)}), ingest ${Math.round(total / ((acked - t0) / 1000))}/s, durable after ${Math.round(performance.now() - t0)} ms`);
    await stack.stop();
  }
} finally {
  await influxd.stop();
  rmSync(tmp, { recursive: true, force: true });
}
