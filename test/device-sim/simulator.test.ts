import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../lib/clock.js';
import { localTime, parseScenario, provision, Simulator, type Scenario, type SimDevice } from '../../device-sim/index.js';
import { useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

/** A small province: one district, two schools, four rooms, 60 devices. */
function smallScenario(faults: Partial<Scenario['faults']> = {}): Scenario {
  return parseScenario({
    seed: 5, intervalS: 0.2, qos: 1,
    faults: { offlinePerHour: 0, batteryDrainPerHour: 0, overheatPerHour: 0, badReadingPerHour: 0, ...faults },
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

/**
 * A clock that runs at the real pace from the latest past moment at `hh:mm` in Vietnam on a day `weekdays` allows:
 * the simulator then lives in a lesson or a night whenever the test runs, with device times InfluxDB keeps.
 */
function clockAt(hh: number, mm: number, weekdays: number[]): Clock & { skip(ms: number): void } {
  const dayMs = 86_400_000;
  const vnOffset = 7 * 3_600_000;
  let t = Math.floor((Date.now() + vnOffset) / dayMs) * dayMs - vnOffset + (hh * 60 + mm) * 60_000;
  while (t > Date.now() || !weekdays.includes(localTime(t).weekday)) t -= dayMs;
  let offset = Date.now() - t;
  return { now: () => Date.now() - offset, skip: (ms) => { offset -= ms; } };
}
const MON_FRI = [1, 2, 3, 4, 5];

describe('the device simulator against a real stack', () => {
  const s = useTestStack();
  const creds = () => path.join(s.dir, 'sim-credentials.json');
  const live = (d: SimDevice) => s.gateway!.live.get(d.id);

  it('provisions its devices, connects them all over MQTT, and their readings land in InfluxDB', async () => {
    const scenario = smallScenario();
    const devices = await provision(s.registry, scenario, creds());
    expect(devices).toHaveLength(60);
    expect(statSync(creds()).mode & 0o777).toBe(0o600);
    // Provisioning again reuses the same devices and secrets.
    const again = await provision(s.registry, scenario, creds());
    expect(again.map((d) => d.secret)).toEqual(devices.map((d) => d.secret));
    expect((await s.registry.listDevices()).total).toBe(60);
    expect(await s.registry.device('sim-lc-thcs-001-s1p01-board01')).toMatchObject({ kind: 'board', manufacturer: 'Samsung', costVnd: expect.any(Number) });

    // 09:00 on a weekday: the smart classroom (use 1) has a lesson.
    const sim = new Simulator({ brokerUrl: s.mqttUrl, devices, scenario, tickMs: 50, clock: clockAt(9, 0, MON_FRI) });
    await sim.start();
    try {
      await waitFor('every device online', () => devices.every((d) => live(d)?.state === 'online'));
      await waitFor('readings of every kind in InfluxDB', async () => {
        const rows = await s.influx.query<{ name: string }>('SELECT count(*) FROM /telemetry_.*/');
        return rows.length === 4;
      });
      await waitFor('a reading from every device', () => devices.every((d) => live(d)?.lastReadingTs !== null));
      const board = devices.find((d) => d.kind === 'board' && d.room.type === 'smart_classroom')!;
      expect(live(board)!.latest.power).toBe('on');
      expect(devices.filter((d) => d.kind === 'vr' && d.room.type === 'smart_classroom').every((d) => live(d)!.latest.inSession === true)).toBe(true);
      expect(sim.stats.errors).toBe(0);
      const schools = await s.influx.query<{ value: string }>('SHOW TAG VALUES FROM telemetry_board WITH KEY = school');
      expect(schools.length).toBeGreaterThanOrEqual(1);
      await waitFor('VR session events in InfluxDB', async () => (await s.influx.query(`SELECT * FROM event WHERE "type" = 'session_start'`)).length >= 10);
    } finally {
      await sim.stop();
    }
    await waitFor('devices offline after the simulator stops', () => devices.every((d) => live(d)?.state === 'offline'));
  });

  it('puts boards, tablets and headsets to sleep at night while room sensors stay online', async () => {
    const scenario = smallScenario();
    const devices = await provision(s.registry, scenario, creds());
    const sim = new Simulator({ brokerUrl: s.mqttUrl, devices, scenario, tickMs: 50, clock: clockAt(22, 0, [0, 1, 2, 3, 4, 5, 6]) });
    await sim.start();
    try {
      await waitFor('sensors online, everything else asleep', () => devices.every((d) => live(d)?.state === (d.kind === 'sensor' ? 'online' : 'sleep')));
      expect(sim.stats.sleeping).toBe(devices.filter((d) => d.kind !== 'sensor').length);
    } finally {
      await sim.stop();
    }
  });

  it('sends bad readings at the configured fault rate, which the gateway rejects and counts per device', async () => {
    const scenario = smallScenario({ badReadingPerHour: 3_600_000 }); // every reading is malformed
    const devices = (await provision(s.registry, scenario, creds())).slice(0, 5);
    const before = new Map(devices.map((d) => [d.id, live(d)?.rejected ?? 0]));
    const sim = new Simulator({ brokerUrl: s.mqttUrl, devices, scenario, tickMs: 50 });
    await sim.start();
    try {
      await waitFor('rejections counted for every device', () => devices.every((d) => (live(d)?.rejected ?? 0) >= before.get(d.id)! + 2));
      expect(sim.stats.badSent).toBeGreaterThanOrEqual(10);
      expect(sim.stats.faults.bad).toBe(sim.stats.badSent);
    } finally {
      await sim.stop();
    }
  });

  it('drops a device off the network, which the broker reports offline by its Last Will, and brings it back later', async () => {
    const scenario = smallScenario({ offlinePerHour: 3_600_000 }); // the first reading takes the device down
    const devices = (await provision(s.registry, scenario, creds())).filter((d) => d.kind === 'sensor');
    // 10:00, not 09:00 as in the first test: the only readings of these sensors around the outage are its backlog.
    const clock = clockAt(10, 0, MON_FRI);
    const sim = new Simulator({ brokerUrl: s.mqttUrl, devices, scenario, tickMs: 50, clock });
    await sim.start();
    try {
      await waitFor('devices dropped', () => sim.stats.faults.offline >= devices.length && sim.stats.connected === 0);
      const droppedAt = clock.now();
      await waitFor('Last Will seen by the gateway', () => devices.every((d) => live(d)?.state === 'offline'));
      await waitFor('readings measured while cut off', () => sim.stats.backlogHeld >= 4);
      scenario.faults.offlinePerHour = 0;
      clock.skip(10 * 60_000); // past the longest outage
      await waitFor('devices back online', () => devices.every((d) => live(d)?.state === 'online') && sim.stats.connected === devices.length);
      // What they measured while cut off arrives as a backlog with its original times.
      await waitFor('backlog uploaded', () => sim.stats.backlogSent >= 4 && sim.stats.backlogHeld === 0);
      await waitFor('backlog readings in InfluxDB at the times they were taken', async () => {
        const rows = await s.influx.query<{ count: number }>(
          `SELECT count(temperature) FROM telemetry_sensor WHERE device =~ /^(${devices.map((d) => d.id).join('|')})$/ AND time >= ${droppedAt - 1000}ms AND time < ${droppedAt + 5 * 60_000}ms`);
        return (rows[0]?.count ?? 0) >= 4;
      });
      expect(sim.stats.errors).toBe(0);
    } finally {
      await sim.stop();
    }
  });

  it('gives a device a new secret when someone rotated it elsewhere, and leaves a revoked one out', async () => {
    const scenario = smallScenario();
    const [a, b] = await provision(s.registry, scenario, creds());
    await s.registry.rotateSecret(a!.id);
    await s.registry.revokeDevice(b!.id);
    const revoked: string[] = [];
    const devices = await provision(s.registry, scenario, creds(), { onRevoked: (id) => revoked.push(id) });
    expect(revoked).toEqual([b!.id]);
    expect(devices.map((d) => d.id)).not.toContain(b!.id);
    const fresh = devices.find((d) => d.id === a!.id)!;
    expect(fresh.secret).not.toBe(a!.secret);
    const sim = new Simulator({ brokerUrl: s.mqttUrl, devices: [fresh], scenario, tickMs: 50 });
    await sim.start();
    try {
      expect(sim.stats.connected).toBe(1);
    } finally {
      await sim.stop();
    }
    await s.registry.rotateSecret(b!.id); // un-revokes, for the tests after this one
  });
});
