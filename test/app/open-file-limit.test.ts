import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InfluxDB } from 'influx';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentHealth } from '../../lib/component.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { readFileLimit } from '../../lib/limits.js';
import { topics } from '../../protocol/index.js';
import { openRegistryStore } from '../../registry/index.js';
import { influxEnv, testInfluxClient } from '../helpers/influx.js';
import { exited } from '../helpers/process.js';
import { connectDevice, seedSchool, tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/edufleet.mjs');
/** The process starts with a soft limit of 256 and raises it to its hard limit, 500: the cap is 500 − 100 = 400. */
const SOFT = 256;
const HARD = 500;
const CAP = HARD - HARD / 5;
const EXTRA = 20;
const READINGS = 3;

/** `edufleet start` under a lowered open-file limit, with its MQTT port and dashboard URL once it printed them. */
function startLimited(env: Record<string, string>): Promise<{ child: ChildProcess; mqttPort: number; dashboard: string; output: () => string }> {
  const child = spawn('prlimit', [`--nofile=${SOFT}:${HARD}`, process.execPath, BIN, 'start'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const mqtt = /MQTT:\s+mqtt:\/\/localhost:(\d+)/.exec(out);
      const web = /Dashboard:\s+(http:\/\/\S+)/.exec(out);
      if (mqtt && web) resolve({ child, mqttPort: Number(mqtt[1]), dashboard: web[1]!.replace(/\/$/, ''), output: () => out });
    });
    child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
    child.once('exit', (code) => reject(new Error(`edufleet exited with ${code} before listening:\n${out}`)));
  });
}

describe('more devices than the open-file limit allows', () => {
  const dir = tempDir();
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  let child: ChildProcess | undefined;
  let influx: InfluxDB;

  beforeAll(async () => {
    await influxd.start();
    influx = testInfluxClient(influxd);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('raises the limit, refuses the excess with CONNACK 3, stays up, stores every reading and shows the cap', async () => {
    const dataDir = path.join(dir, 'data');
    const registry = await openRegistryStore({ dataDir });
    const { room } = await seedSchool(registry, 'LIMIT-1');
    const devices: Awaited<ReturnType<typeof registry.addDevice>>[] = [];
    for (let i = 0; i < CAP + EXTRA; i++) devices.push(await registry.addDevice({ kind: 'tablet', roomId: room.id }));
    await registry.close();

    const proc = await startLimited({
      EDUFLEET_DATA_DIR: dataDir, ...influxEnv(influxd), EDUFLEET_MQTT_HOST: '127.0.0.1',
      EDUFLEET_MQTT_PORT: '0', EDUFLEET_MQTT_WS_PORT: '0', EDUFLEET_DASHBOARD_HOST: '127.0.0.1', EDUFLEET_DASHBOARD_PORT: '0',
      EDUFLEET_LOG_LEVEL: 'warn', EDUFLEET_GATEWAY_FLUSH_INTERVAL_MS: '50',
    });
    child = proc.child;
    expect(readFileLimit(child.pid!)).toEqual({ soft: HARD, hard: HARD });
    const url = `mqtt://127.0.0.1:${proc.mqttPort}`;

    // The first CAP devices fill the cap (in batches: the test's own CPU shares two cores); the rest are refused.
    const connected: MqttClient[] = [];
    for (let i = 0; i < CAP; i += 50) {
      connected.push(...await Promise.all(devices.slice(i, Math.min(CAP, i + 50)).map((d) => connectDevice(url, d.device.id, d.secret!))));
    }
    const excess = devices.slice(CAP);
    const codes = await Promise.all(excess.map((d) => connectDevice(url, d.device.id, d.secret!).then(
      (c) => { c.end(true); return 'accepted'; },
      (err: Error & { code?: number }) => err.code ?? err.message,
    )));
    expect(codes).toEqual(excess.map(() => 3));

    const t0 = Date.now() - 600_000;
    await Promise.all(connected.map(async (c, k) => {
      for (let i = 0; i < READINGS; i++) {
        await c.publishAsync(topics.telemetry(devices[k]!.device.id), JSON.stringify({ ts: t0 + i, battery: 50 + i }), { qos: 1 });
      }
    }));
    const stored = await waitFor('every reading of the connected devices in InfluxDB', async () => {
      const r = await influx.query<{ count: number }>('SELECT count(battery) FROM telemetry_tablet');
      return (r[0]?.count ?? 0) >= CAP * READINGS ? r[0]!.count : null;
    }, 60_000);
    console.log(`open-file limit ${HARD}: ${connected.length} devices connected (cap ${CAP}), ${excess.length} refused with CONNACK 3, readings acknowledged ${CAP * READINGS}, stored ${stored}`);
    expect(stored).toBe(CAP * READINGS);

    const health = (await (await fetch(`${proc.dashboard}/healthz`)).json()) as { components: ComponentHealth[] };
    const broker = health.components.find((c) => c.name === 'broker')!;
    expect(broker.state).toBe('ok');
    expect(broker.details).toMatchObject({ openFileLimit: HARD, connectionCap: CAP, capSource: 'derived', connections: CAP, refusedOverCap: EXTRA });
    const metrics = await (await fetch(`${proc.dashboard}/metrics`)).text();
    expect(metrics).toContain(`edufleet_mqtt_connect_refused_total{reason="cap"} ${EXTRA}`);
    expect(metrics).toContain(`edufleet_open_file_limit ${HARD}`);
    expect(metrics).toContain(`edufleet_mqtt_connection_cap ${CAP}`);

    // A device that leaves frees its place: one of the refused gets in.
    await connected.pop()!.endAsync();
    const late = await waitFor('a refused device admitted once a place is free', () =>
      connectDevice(url, excess[0]!.device.id, excess[0]!.secret!).catch(() => null));
    await late.endAsync();

    await Promise.all(connected.map((c) => c.endAsync()));
    child.kill('SIGTERM');
    await exited(child);
    expect(child.exitCode).toBe(0);
  }, 180_000);
});
