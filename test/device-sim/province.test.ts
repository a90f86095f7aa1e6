import { describe, expect, it } from 'vitest';
import { BAD_READING_VARIANTS, badReading, newBody, reading, schemaReading } from '../../device-sim/behaviour.js';
import { rollFaults } from '../../device-sim/faults.js';
import { deviceAttributes, equipmentRecord } from '../../device-sim/hardware.js';
import { countDevices, loadScenario, parseScenario, provinceScenario, simDeviceId } from '../../device-sim/index.js';
import { seededRng } from '../../device-sim/random.js';
import { AttributesPayload, DEVICE_KINDS, isDeviceId, parseMessage, parseTelemetry } from '../../protocol/index.js';

describe('the simulated province', () => {
  it('is the same for the same seed and scales to the devices asked for', () => {
    const a = provinceScenario({ devices: 2000, seed: 7 });
    expect(provinceScenario({ devices: 2000, seed: 7 })).toEqual(a);
    expect(provinceScenario({ devices: 2000, seed: 8 })).not.toEqual(a);
    expect(countDevices(a)).toBeGreaterThanOrEqual(2000);
    expect(countDevices(a)).toBeLessThan(2100);
    expect(countDevices(provinceScenario({ devices: 10_000 }))).toBeLessThan(10_100);
    expect(a.schools[0]!.name).toBe('Trường THPT Chuyên Lào Cai');
    expect(new Set(a.schools.map((s) => s.code)).size).toBe(a.schools.length);
  });

  it('looks like Lào Cai: its districts, schools under the Sở, satellite sites and every kind of room', () => {
    const p = provinceScenario({ devices: 3000, seed: 1 });
    expect(p.districts.map((d) => d.name)).toEqual(expect.arrayContaining(['Thành phố Lào Cai', 'Huyện Bát Xát', 'Thị xã Sa Pa', 'Huyện Si Ma Cai']));
    const underSo = p.schools.filter((s) => s.district === null);
    expect(underSo.map((s) => s.level)).toEqual(expect.arrayContaining(['thpt', 'gdtx']));
    expect(p.schools.map((s) => s.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^Trường THCS /), expect.stringMatching(/^Trường Tiểu học /)]));
    const sites = p.schools.flatMap((s) => s.sites.map((x) => x.name));
    expect(sites).toContain('Điểm chính');
    expect(sites.some((n) => n.startsWith('Điểm trường '))).toBe(true);
    const rooms = p.schools.flatMap((s) => s.sites.flatMap((x) => x.rooms));
    expect(new Set(rooms.map((r) => r.type))).toEqual(new Set(['smart_classroom', 'computer_room', 'lab', 'stem_room', 'vr_room', 'classroom']));
    const smart = rooms.find((r) => r.type === 'smart_classroom')!;
    expect(smart.devices).toMatchObject({ board: 1, sensor: 1 });
    expect(smart.devices.tablet).toBeGreaterThan(0);
    expect(smart.devices.vr).toBeGreaterThan(0);
  });

  it('gives every device an id the protocol accepts, unique across the province', () => {
    const p = provinceScenario({ devices: 3000, seed: 1 });
    const ids = p.schools.flatMap((sc) => sc.sites.flatMap((st, si) => st.rooms.flatMap((r) =>
      Object.entries(r.devices).flatMap(([kind, n]) => Array.from({ length: n ?? 0 }, (_, i) => simDeviceId(sc.code, si ? `S${si}${r.code}` : r.code, kind as never, i + 1))))));
    expect(ids.length).toBe(countDevices(p));
    expect(ids.every(isDeviceId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('simulated payloads', () => {
  it('produces readings of every kind that the protocol accepts, in use, idle and at night', () => {
    const rng = seededRng(3);
    for (const kind of DEVICE_KINDS) {
      const body = newBody(rng);
      for (const ctx of [{ inUse: true, open: true }, { inUse: false, open: true }, { inUse: false, open: false }]) {
        for (const hot of [0, 1e15]) {
          body.hotUntil = hot;
          const r = reading(kind, body, { ...ctx, capacity: 40, dtS: 10, now: 0 }, rng);
          expect(parseTelemetry(kind, JSON.stringify({ ts: 1, ...r })).ok, `${kind} ${JSON.stringify(r)}`).toBe(true);
        }
      }
    }
  });

  it('builds a valid reading for every kind from its protocol schema alone', () => {
    const rng = seededRng(4);
    for (const kind of DEVICE_KINDS) {
      for (let i = 0; i < 20; i++) expect(parseTelemetry(kind, JSON.stringify(schemaReading(kind, rng))).ok).toBe(true);
    }
  });

  it('sends bad readings of each variant, which the protocol refuses', () => {
    for (const kind of DEVICE_KINDS) {
      for (const v of BAD_READING_VARIANTS) expect(parseTelemetry(kind, JSON.stringify({ ts: 1, ...badReading(kind, v) })).ok, `${kind} ${v}`).toBe(false);
    }
  });

  it('announces attributes the protocol accepts and keeps an equipment record per device', () => {
    for (const kind of DEVICE_KINDS) {
      const a = deviceAttributes(`sim-x-p01-${kind}01`, kind);
      expect(parseMessage(AttributesPayload, JSON.stringify(a)).ok).toBe(true);
      expect(deviceAttributes(`sim-x-p01-${kind}01`, kind)).toEqual(a);
      expect(equipmentRecord(`sim-x-p01-${kind}01`, kind)).toMatchObject({ serial: a.serial, inServiceDate: expect.stringMatching(/^20\d\d-\d\d-15$/) });
    }
  });
});

describe('faults', () => {
  it('strike at their configured rates and never at rate zero; battery drain only where there is a battery', () => {
    const rng = seededRng(5);
    const none = { offlinePerHour: 0, batteryDrainPerHour: 0, overheatPerHour: 0, badReadingPerHour: 0 };
    for (let i = 0; i < 1000; i++) expect(rollFaults(none, 'tablet', 1, rng)).toEqual({});
    const always = { ...none, batteryDrainPerHour: 1e9, overheatPerHour: 1e9, badReadingPerHour: 1e9 };
    expect(rollFaults(always, 'tablet', 1, rng)).toMatchObject({ drainFactor: 8, overheatForMs: 600_000, badReading: expect.any(String) });
    expect(rollFaults(always, 'board', 1, rng).drainFactor).toBeUndefined();
    const offline = rollFaults({ ...always, offlinePerHour: 1e9 }, 'vr', 1, rng);
    expect(Object.keys(offline)).toEqual(['offlineForMs']);
    let struck = 0;
    for (let i = 0; i < 10_000; i++) if (rollFaults({ ...none, overheatPerHour: 0.5 }, 'board', 0.1, rng).overheatForMs) struck += 1;
    expect(struck).toBeGreaterThan(350);
    expect(struck).toBeLessThan(650);
  });
});

describe('scenario files', () => {
  it('refuses a scenario with errors, listing each with its path', () => {
    expect(() => parseScenario({ districts: [], schools: [{ code: 'A', name: 'x', level: 'university', district: 'NOPE', sites: [] }] }))
      .toThrow(/\/schools\/0\/level/);
    expect(() => parseScenario({ districts: [], schools: [{ code: 'A', name: 'x', level: 'thpt', district: 'NOPE', sites: [] }] }))
      .toThrow(/unknown district 'NOPE'/);
    const room = { code: 'P01', name: 'Phòng học 1', type: 'classroom', devices: { board: 1 } };
    let message = '';
    try {
      parseScenario({ seed: 'x', districts: [], schools: [
        { code: 'A', name: 'x', level: 'thcs', district: null, sites: [{ name: 'Điểm chính', rooms: [room, room] }] },
        { code: 'a', name: 'y', level: 'thcs', district: null, sites: [{ name: 'Điểm chính', rooms: [{ ...room, devices: { projector: 2 } }] }] },
      ] });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/\/seed: /);
    expect(message).toMatch(/\/schools\/1\/sites\/0\/rooms\/0\/devices/);
    expect(() => parseScenario({ districts: [], schools: [
      { code: 'A', name: 'x', level: 'thcs', district: null, sites: [{ name: 'Điểm chính', rooms: [room, room] }] },
      { code: 'a', name: 'y', level: 'thcs', district: null, sites: [] },
    ] })).toThrow(/rooms\/1\/code: room code 'P01' is used twice[\s\S]*\/schools\/1\/code: school code 'a' is used twice/);
  });

  it('fills in defaults: seed, interval, QoS 1 and the fault rates', () => {
    const s = parseScenario({ districts: [], schools: [] });
    expect(s).toMatchObject({ seed: 1, intervalS: 10, qos: 1, faults: { offlinePerHour: 0.05, badReadingPerHour: 0.05 } });
  });

  it('scenarios/small-district.json is a valid scenario', () => {
    expect(countDevices(loadScenario('scenarios/small-district.json'))).toBe(59);
  });
});

describe('scenarios/smart-classrooms.json', () => {
  it('holds the two smart classrooms of the Lào Cai plan, each with a board, 40 tablets, 40 headsets and a sensor', () => {
    const s = loadScenario('scenarios/smart-classrooms.json');
    expect(countDevices(s)).toBe(164);
    expect(s.schools[0]!.district).toBeNull();
  });
});
