import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfluxDB } from 'influx';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { topics } from '../../protocol/index.js';
import { openRegistryStore } from '../../registry/index.js';
import { influxEnv, testInfluxClient } from '../helpers/influx.js';
import { exited, startEdufleetProcess, type EdufleetProcess } from '../helpers/process.js';
import { connectDevice, seedSchool, tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

describe('a gateway killed with SIGKILL', () => {
  const dir = tempDir();
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  let proc: EdufleetProcess | undefined;
  let influx: InfluxDB;

  beforeAll(async () => {
    await influxd.start();
    influx = testInfluxClient(influxd);
  });
  afterAll(async () => {
    proc?.child.kill('SIGKILL');
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged reading: they are in InfluxDB after a restart', async () => {
    const dataDir = path.join(dir, 'data');
    const registry = await openRegistryStore({ dataDir });
    const { room } = await seedSchool(registry);
    const devices = await Promise.all([0, 1, 2, 3].map(() => registry.addDevice({ kind: 'tablet', roomId: room.id })));
    await registry.close();
    const env = {
      EDUFLEET_DATA_DIR: dataDir, ...influxEnv(influxd), EDUFLEET_MQTT_HOST: '127.0.0.1',
      EDUFLEET_MQTT_PORT: '0', EDUFLEET_MQTT_WS_PORT: '0', EDUFLEET_LOG_LEVEL: 'warn',
    };
    // The first process holds points back (long flush interval), so what it acknowledged is only in its spool when killed.
    proc = await startEdufleetProcess(['--only', 'broker,gateway'], { ...env, EDUFLEET_GATEWAY_FLUSH_INTERVAL_MS: '600000', EDUFLEET_GATEWAY_BATCH_MAX_POINTS: '100000' });
    const url = `mqtt://127.0.0.1:${proc.mqttPort}`;
    const clients = await Promise.all(devices.map((d) => connectDevice(url, d.device.id, d.secret!, { reconnectPeriod: 0 })));
    const acked: { device: string; ts: number }[] = [];
    const t0 = Date.now() - 600_000;
    const child = proc.child;
    let killed = false;
    await new Promise<void>((resolve) => {
      clients.forEach((c, k) => {
        const id = devices[k]!.device.id;
        for (let i = 0; i < 400; i++) {
          const ts = t0 + i;
          c.publish(topics.telemetry(id), JSON.stringify({ ts, battery: i % 100 }), { qos: 1 }, (err) => {
            if (err || killed) return;
            acked.push({ device: id, ts });
            if (acked.length >= 800) {
              killed = true;
              child.kill('SIGKILL');
              resolve();
            }
          });
        }
      });
    });
    await exited(child);
    for (const c of clients) c.end(true);
    expect(acked.length).toBe(800);
    const before = await influx.query<{ count: number }>('SELECT count(battery) FROM telemetry_tablet').catch(() => []);
    expect(before[0]?.count ?? 0).toBeLessThan(800);

    proc = await startEdufleetProcess(['--only', 'broker,gateway'], { ...env, EDUFLEET_GATEWAY_FLUSH_INTERVAL_MS: '50' });
    await waitFor('the spooled readings in InfluxDB', async () => {
      const r = await influx.query<{ count: number }>('SELECT count(battery) FROM telemetry_tablet');
      return (r[0]?.count ?? 0) >= 800;
    }, 60_000);
    const rows = await influx.query<{ device: string; time: Date }>('SELECT battery, device FROM telemetry_tablet');
    const stored = new Set(rows.map((r) => `${r.device}@${r.time.getTime()}`));
    const missing = acked.filter((a) => !stored.has(`${a.device}@${a.ts}`));
    expect(missing).toEqual([]);
    proc.child.kill('SIGTERM');
    await exited(proc.child);
  });
});
