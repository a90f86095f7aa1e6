import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill, parseScenario, simDeviceId, Simulator, type Scenario, type SimDevice } from '../../device-sim/index.js';
import { FAULT_NAMES, FAULTS, rollFaults } from '../../device-sim/faults.js';
import { seededRng } from '../../device-sim/random.js';
import { resolveTarget } from '../../device-sim/targets.js';
import type { Clock } from '../../lib/clock.js';
import { EdufleetError } from '../../lib/errors.js';
import { waitFor } from '../helpers/wait.js';
import { clockAt, on, openWire } from './fault-wire.js';

const NO_FAULTS = Object.fromEntries(Object.keys(FAULTS).map((f) => [FAULTS[f as keyof typeof FAULTS].rate, 0])) as Scenario['faults'];
const MIN = 60_000;

function scenario(): Scenario {
  return parseScenario({
    seed: 3, intervalS: 0.2, qos: 1, faults: NO_FAULTS,
    districts: [{ code: 'BAT-XAT', name: 'Huyện Bát Xát' }],
    schools: [
      { code: 'LC-THCS-001', name: 'Trường THCS Bản Vược', level: 'thcs', district: 'BAT-XAT', sites: [
        { name: 'Điểm chính', rooms: [{ code: 'P01', name: 'Phòng học thông minh 1', type: 'smart_classroom', use: 1, devices: { board: 1, tablet: 2, vr: 1, sensor: 1 } }] },
        { name: 'Điểm trường Y Tý', rooms: [{ code: 'P01', name: 'Phòng học 1', type: 'classroom', devices: { board: 1 } }] },
      ] },
      { code: 'LC-THCS-002', name: 'Trường THCS Cốc Lếu', level: 'thcs', district: 'BAT-XAT', sites: [
        { name: 'Điểm chính', rooms: [{ code: 'P01', name: 'Phòng học 1', type: 'classroom', devices: { board: 1 } }] },
      ] },
    ],
  });
}

/** The scenario's devices as provisioning lists them (the bare broker checks no secret). */
function devicesOf(s: Scenario): SimDevice[] {
  const out: SimDevice[] = [];
  let roomId = 100;
  for (const sc of s.schools) sc.sites.forEach((st, si) => st.rooms.forEach((r) => {
    roomId += 1;
    const room = { ...r, code: si === 0 ? r.code : `S${si}${r.code}` };
    for (const [kind, n] of Object.entries(r.devices)) {
      for (let i = 1; i <= (n ?? 0); i++) {
        out.push({ id: simDeviceId(sc.code, room.code, kind as SimDevice['kind'], i), secret: 'x', kind: kind as SimDevice['kind'], school: sc, room, roomKey: `${sc.code}/${si}/${r.code}`, roomId });
      }
    }
  }));
  return out;
}

const MON_FRI = [1, 2, 3, 4, 5];
const atLeast = <T>(n: number, list: T[]): T[] | undefined => (list.length >= n ? list : undefined);
const ID = { board: 'sim-lc-thcs-001-p01-board01', tablet: 'sim-lc-thcs-001-p01-tablet01', sensor: 'sim-lc-thcs-001-p01-sensor01', vr: 'sim-lc-thcs-001-p01-vr01' };

describe('faults for the alert rules, as a real MQTT subscriber sees them', () => {
  let clock: Clock & { skip(ms: number): void } = clockAt(9, 0, MON_FRI);
  let wire: Awaited<ReturnType<typeof openWire>>;
  /** Where the messages of the current test's simulator start in the log (every test lives the same day). */
  let base = 0;
  beforeAll(async () => { wire = await openWire(() => clock); });
  afterAll(async () => { await wire.close(); });

  /** Runs `fn` with a simulator of the scenario on `c`, stopped after it. */
  async function withSim(c: typeof clock, fn: (sim: Simulator) => Promise<void>): Promise<void> {
    clock = c;
    base = wire.messages.length;
    const sim = new Simulator({ brokerUrl: wire.url, devices: devicesOf(scenario()), scenario: scenario(), tickMs: 20, clock: c });
    await sim.start();
    try {
      await waitFor('readings from every device', () => Object.values(ID).every((id) => on(wire.messages, id, 'telemetry', base).length > 0));
      await fn(sim);
    } finally {
      await sim.stop();
    }
  }
  const mark = (): number => wire.messages.length;
  type Reading = Record<string, number | boolean | string> & { ts: number; at: number };
  /** Readings the device took from `since` (sim ms) on: not one that was on its way when a fault began. */
  const telemetry = (id: string, since: number): Reading[] => on<Reading>(wire.messages, id, 'telemetry', base).filter((r) => r.ts >= since);

  it('overheats a board to 68–72 °C for the fault, then it cools below 55 °C', async () => {
    await withSim(clockAt(9, 0, MON_FRI), async (sim) => {
      const from = mark();
      const since = clock.now();
      expect(sim.injectFault(ID.board, 'overheat', 10 * MIN)).toEqual({ fault: 'overheat', devices: [ID.board], forMs: 10 * MIN });
      const hot = await waitFor('three hot readings', () => atLeast(3, telemetry(ID.board, since)));
      for (const r of hot) expect(r.temperature).toBeGreaterThan(60);
      expect(on(wire.messages, ID.board, 'event', from)).toContainEqual(expect.objectContaining({ type: 'overheat' }));
      clock.skip(11 * MIN);
      const cooled = clock.now();
      const after = await waitFor('readings after the fault', () => atLeast(3, telemetry(ID.board, cooled)));
      for (const r of after) expect(r.temperature).toBeLessThan(55);
    });
  });

  it('lets a tablet battery die at night: not charging, down to a few per cent', async () => {
    await withSim(clockAt(22, 0, [1, 2, 3, 4, 5, 6, 7]), async (sim) => {
      const before = telemetry(ID.tablet, 0).at(-1)!;
      expect(before.charging).toBe(true); // what a tablet does at night on its cart
      const from = clock.now();
      sim.injectFault(ID.tablet, 'dying-battery', 2 * 3_600_000);
      await waitFor('a first reading of the dying battery', () => telemetry(ID.tablet, from).length > 0);
      clock.skip(30 * MIN);
      const low = await waitFor('battery under 15 %', () => telemetry(ID.tablet, from).find((r) => (r.battery as number) < 15));
      expect(low.battery).toBeGreaterThan(0);
      const during = telemetry(ID.tablet, from);
      expect(during.every((r) => r.charging === false)).toBe(true);
      for (let i = 1; i < during.length; i++) expect(during[i]!.battery).toBeLessThanOrEqual(during[i - 1]!.battery as number);
    });
  });

  it('flaps a tablet Wi-Fi: a weak swinging signal and a reconnect every 20–40 s', async () => {
    await withSim(clockAt(9, 0, MON_FRI), async (sim) => {
      const from = mark();
      const started = clock.now();
      sim.injectFault(ID.tablet, 'flapping-wifi', 10 * MIN);
      const status = () => on<{ state: string }>(wire.messages, ID.tablet, 'status', from);
      // Ten simulated seconds per poll: the flaps come in real milliseconds.
      await waitFor('three reconnects', () => { clock.skip(10_000); return status().filter((x) => x.state === 'online').length >= 3; });
      const wills = status().filter((x) => x.state === 'offline');
      expect(wills.length).toBeGreaterThanOrEqual(3);
      const connects = status().filter((x) => x.state === 'online').map((x) => x.at);
      // Three connects within about two minutes of simulated time: a reconnect storm over an hour.
      expect(connects[2]! - started).toBeLessThan(3 * 45_000);
      const rssi = telemetry(ID.tablet, started).map((r) => r.wifiRssi as number);
      expect(rssi.length).toBeGreaterThan(0);
      expect(Math.min(...rssi)).toBeGreaterThanOrEqual(-85);
      expect(Math.max(...rssi)).toBeLessThanOrEqual(-60);
    });
  });

  it('sticks a sensor: the same values again and again for the fault, fresh ones after it', async () => {
    await withSim(clockAt(9, 0, MON_FRI), async (sim) => {
      const from = clock.now();
      sim.injectFault(ID.sensor, 'stuck-sensor', 4 * 3_600_000);
      const stuck = await waitFor('six stuck readings', () => atLeast(6, telemetry(ID.sensor, from)));
      const values = stuck.map(({ ts: _ts, at: _at, ...fields }) => JSON.stringify(fields));
      expect(new Set(values).size).toBe(1);
      expect(new Set(stuck.map((r) => r.ts)).size).toBe(stuck.length);
      clock.skip(4 * 3_600_000 + MIN);
      const after = clock.now();
      const fresh = await waitFor('six readings after', () => atLeast(6, telemetry(ID.sensor, after)));
      expect(new Set(fresh.map(({ ts: _ts, at: _at, ...fields }) => JSON.stringify(fields))).size).toBeGreaterThan(1);
    });
  });

  it('skews a device clock by 6–15 minutes in its telemetry and events', async () => {
    await withSim(clockAt(9, 0, MON_FRI), async (sim) => {
      const from = mark();
      const since = clock.now();
      sim.injectFault(ID.board, 'clock-skew', 3_600_000);
      sim.injectFault(ID.board, 'error-burst', 1000);
      // The device's own `ts` is what is skewed: readings are told apart by when they arrived (a reading on its way
      // when the fault began arrives within a few ms, not 300).
      const r = await waitFor('five skewed readings', () => atLeast(5, on<Reading>(wire.messages, ID.board, 'telemetry', from).filter((m) => m.at > since + 300)));
      for (const x of r) {
        expect(Math.abs(x.ts - x.at)).toBeGreaterThan(5 * MIN);
        expect(Math.abs(x.ts - x.at)).toBeLessThan(16 * MIN);
      }
      const e = await waitFor('an error event', () => on<{ ts: number }>(wire.messages, ID.board, 'event', from)[0]);
      expect(Math.abs(e.ts - e.at)).toBeGreaterThan(5 * MIN);
    });
  });

  it('keeps a silent device connected while it publishes nothing, then it reports again', async () => {
    await withSim(clockAt(9, 0, MON_FRI), async (sim) => {
      const since = clock.now();
      sim.injectFault(ID.board, 'silent', 10 * MIN);
      // A board reading on its way when the silence began arrives before two later readings of the sensor.
      await waitFor('two sensor readings', () => telemetry(ID.sensor, since).length >= 2);
      const from = mark();
      // The sensor in the same room reads on the same interval: ten of its readings are ten the board did not send.
      await waitFor('ten sensor readings', () => on(wire.messages, ID.sensor, 'telemetry', from).length >= 10);
      expect(on(wire.messages, ID.board, 'telemetry', from)).toHaveLength(0);
      expect(on(wire.messages, ID.board, 'event', from)).toHaveLength(0);
      expect(on<{ state: string }>(wire.messages, ID.board, 'status', from)).toHaveLength(0); // no Last Will: still connected
      expect(sim.stats.connected).toBe(sim.stats.devices);
      clock.skip(11 * MIN);
      await waitFor('the board reporting again', () => on(wire.messages, ID.board, 'telemetry', from).length > 0);
    });
  });

  it('sends a burst of error events with a code and a message within minutes', async () => {
    await withSim(clockAt(9, 0, MON_FRI), async (sim) => {
      const from = mark();
      sim.injectFault(ID.vr, 'error-burst', 2000);
      const errors = await waitFor('four error events', () => atLeast(4, on<{ type: string; code: string; message: string; ts: number }>(wire.messages, ID.vr, 'event', from).filter((x) => x.type === 'error')));
      for (const e of errors) expect(e).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect(errors.at(-1)!.ts - errors[0]!.ts).toBeLessThan(5 * MIN);
    });
  });

  it('aims at a room by id, SCHOOL/ROOM or an unambiguous code, and names what is wrong otherwise', async () => {
    await withSim(clockAt(9, 0, MON_FRI), async (sim) => {
      expect(sim.injectFault('101', 'error-burst', 1000).devices).toHaveLength(5);
      expect(sim.injectFault('LC-THCS-001/S1P01', 'overheat', 1000).devices).toEqual(['sim-lc-thcs-001-s1p01-board01']);
      expect(sim.injectFault('S1P01', 'overheat', 1000).devices).toEqual(['sim-lc-thcs-001-s1p01-board01']);
      // Only tablets flap; a room target picks them.
      expect(sim.injectFault('LC-THCS-001/P01', 'flapping-wifi', 1000).devices).toEqual([ID.tablet, 'sim-lc-thcs-001-p01-tablet02']);
      const fails = (fn: () => unknown) => { try { fn(); } catch (err) { return err as EdufleetError; } throw new Error('no error'); };
      expect(fails(() => sim.injectFault('P01', 'overheat'))).toMatchObject({ code: 'EDUFLEET_ERR_SIM_TARGET', message: expect.stringMatching(/LC-THCS-001\/P01, LC-THCS-002\/P01/) });
      expect(fails(() => sim.injectFault('nope', 'overheat'))).toMatchObject({ code: 'EDUFLEET_ERR_SIM_TARGET', message: expect.stringMatching(/'nope'/) });
      expect(fails(() => sim.injectFault(ID.board, 'melt'))).toMatchObject({ code: 'EDUFLEET_ERR_SIM_FAULT', message: expect.stringContaining(FAULT_NAMES.join(', ')) });
      expect(fails(() => sim.injectFault(ID.board, 'stuck-sensor'))).toMatchObject({ code: 'EDUFLEET_ERR_SIM_FAULT', message: expect.stringMatching(/sensor/) });
    });
  });
});

describe('faults in a backfill', () => {
  it('repeat a stuck sensor\'s values through the past day it publishes', async () => {
    const wire = await openWire(() => ({ now: () => Date.now() }));
    try {
      const s = { ...scenario(), faults: { ...NO_FAULTS, stuckSensorPerHour: 1e9 } };
      const sensor = devicesOf(s).find((d) => d.id === ID.sensor)!;
      const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
      const yesterday = new Date(Date.now() + 7 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
      const r = await backfill({ brokerUrl: wire.url, devices: [sensor], scenario: s, from: yesterday, to: today, intervalS: 600, faults: true });
      expect(r.readingsAcked).toBeGreaterThan(90); // a reading at least every 15 minutes
      // A backfill publishes arrays of readings.
      const received = () => wire.messages.filter((m) => m.device === ID.sensor && m.channel === 'telemetry').flatMap((m) => m.body as { ts: number }[]);
      const readings = await waitFor('every reading at the subscriber', () => atLeast(r.readingsAcked, received()));
      expect(new Set(readings.map(({ ts: _ts, ...fields }) => JSON.stringify(fields))).size).toBe(1);
    } finally {
      await wire.close();
    }
  });
});

describe('fault rates', () => {
  it('strike each new fault at its rate, only on the kinds it applies to, for a duration in its range', () => {
    const rng = seededRng(9);
    const all = Object.fromEntries(Object.values(FAULTS).map((f) => [f.rate, 1e9])) as Scenario['faults'];
    const later = { ...all, offlinePerHour: 0 };
    for (const kind of ['board', 'tablet', 'vr', 'sensor'] as const) {
      const started = rollFaults(later, kind, 1, rng).started ?? [];
      expect(started.map((s) => s.fault).sort()).toEqual(FAULT_NAMES.filter((f) => !['offline', 'battery-drain', 'overheat', 'bad-reading'].includes(f) && FAULTS[f].kinds.includes(kind)).sort());
      for (const s of started) {
        expect(s.forMs).toBeGreaterThanOrEqual(FAULTS[s.fault].durationMs[0]);
        expect(s.forMs).toBeLessThanOrEqual(FAULTS[s.fault].durationMs[1]);
      }
    }
    let struck = 0;
    for (let i = 0; i < 10_000; i++) if (rollFaults({ ...NO_FAULTS, silentPerHour: 0.5 }, 'board', 0.1, rng).started) struck += 1;
    expect(struck).toBeGreaterThan(350);
    expect(struck).toBeLessThan(650);
  });

  it('are checked in a scenario: a misspelt rate is refused with the list of rates', () => {
    expect(() => parseScenario({ faults: { stuckSensorsPerHour: 1 }, districts: [], schools: [] }))
      .toThrow(/\/faults\/stuckSensorsPerHour: unknown fault rate; the rates are offlinePerHour, .*stuckSensorPerHour/);
    expect(() => parseScenario({ faults: { silentPerHour: -1 }, districts: [], schools: [] })).toThrow(/\/faults\/silentPerHour/);
    expect(parseScenario({ districts: [], schools: [] }).faults).toMatchObject({ dyingBatteryPerHour: 0.005, errorBurstPerHour: 0.01 });
  });

  it('resolve a device id whatever its case', () => {
    const devices = devicesOf(scenario());
    expect(resolveTarget(devices, ID.board.toUpperCase()).map((d) => d.id)).toEqual([ID.board]);
  });
});

