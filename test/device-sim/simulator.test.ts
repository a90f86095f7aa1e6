import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, provision, Simulator, type Scenario } from '../../device-sim/index.js';
import { useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

/** A small province: one district, two schools, four rooms, 60 devices. */
function smallScenario(badReadingPerHour: number): Scenario {
  return parseScenario({
    seed: 5, intervalS: 0.2, qos: 1,
    faults: { offlinePerHour: 0, batteryDrainPerHour: 0, overheatPerHour: 0, badReadingPerHour },
    districts: [{ code: 'BAT-XAT', name: 'Huyện Bát Xát' }],
    schools: [
      { code: 'LC-THCS-001', name: 'Trường THCS Bản Vược', level: 'thcs', pupils: 400, district: 'BAT-XAT', sites: [
        { name: 'Điểm chính', rooms: [
          { code: 'P01', name: 'Phòng học thông minh 1', type: 'smart_classroom', use: 1, devices: { board: 1, tablet: 30, vr: 10, sensor: 1 } },
          { code: 'P02', name: 'Phòng học 1', type: 'classroom', devices: { board: 1 } },
        ] },
        { name: 'Điểm trường Y Tý', rooms: [{ code: 'P01', name: 'Phòng học 1', type: 'classroom', devices: { board: 1 } }] },
      ] },
      { code: 'LC-THPT-CHUYEN', name: 'Trường THPT Chuyên Lào Cai', level: 'thpt', district: null, sites: [
        { name: 'Điểm chính', rooms: [{ code: 'P01', name: 'Phòng thực tế ảo', type: 'vr_room', devices: { vr: 15, sensor: 1 } }] },
      ] },
    ],
  });
}

describe('the device simulator against a real stack', () => {
  const s = useTestStack();

  it('provisions its devices, connects them all over MQTT, and their readings land in InfluxDB', async () => {
    const scenario = smallScenario(0);
    const creds = path.join(s.dir, 'sim-credentials.json');
    const devices = await provision(s.registry, scenario, creds);
    expect(devices).toHaveLength(60);
    // Provisioning again reuses the same devices and secrets.
    const again = await provision(s.registry, scenario, creds);
    expect(again.map((d) => d.secret)).toEqual(devices.map((d) => d.secret));
    expect(s.registry.listDevices().total).toBe(60);

    const sim = new Simulator({ brokerUrl: s.mqttUrl, devices, scenario, tickMs: 50 });
    await sim.start();
    try {
      await waitFor('every device online', () => devices.every((d) => s.gateway!.live.get(d.id)?.state === 'online'));
      await waitFor('readings of every kind in InfluxDB', async () => {
        const rows = await s.influx.query<{ count_battery?: number; count_temperature?: number }>('SELECT count(*) FROM /^telemetry_/');
        return rows.length === 4;
      });
      await waitFor('two readings from every device', () => devices.every((d) => (s.gateway!.live.get(d.id)?.version ?? 0) > 0) && sim.stats.acked >= 120);
      expect(sim.stats.errors).toBe(0);
      const schools = await s.influx.query<{ school: string }>('SHOW TAG VALUES FROM telemetry_board WITH KEY = school');
      expect(schools.length).toBeGreaterThanOrEqual(1);
    } finally {
      await sim.stop();
    }
    await waitFor('devices offline after the simulator stops', () => devices.every((d) => s.gateway!.live.get(d.id)?.state === 'offline'));
  });

  it('sends bad readings at the configured fault rate, which the gateway rejects and counts per device', async () => {
    const scenario = smallScenario(3_600_000); // every reading is malformed
    const devices = (await provision(s.registry, scenario, path.join(s.dir, 'sim-credentials.json'))).slice(0, 5);
    const sim = new Simulator({ brokerUrl: s.mqttUrl, devices, scenario, tickMs: 50 });
    await sim.start();
    try {
      await waitFor('rejections counted for every device', () => devices.every((d) => (s.gateway!.live.get(d.id)?.rejected ?? 0) >= 2));
      expect(sim.stats.badSent).toBeGreaterThanOrEqual(10);
    } finally {
      await sim.stop();
    }
  });
});
