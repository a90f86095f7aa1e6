/**
 * Every default rule against the fault the simulator injects for it, through the real chain: simulated devices over
 * MQTT → aedes → gateway → signals in the registry → alert engine → an open alert. And the look-alikes that must
 * raise nothing. One stack and one simulated school for the whole file; every wait is on a condition.
 * (offline_school_hours needs the school day to pass: offline-school-hours.test.ts, on a controlled clock.)
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { parseScenario, provision, Simulator, type SimDevice } from '../../device-sim/index.js';
import { FAULTS } from '../../device-sim/faults.js';
import type { RuleId } from '../../domain/index.js';
import { topics } from '../../protocol/index.js';
import { addDays, localDate } from '../../timetable/index.js';
import { connectDevice, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const NO_FAULTS = Object.fromEntries(Object.values(FAULTS).map((f) => [f.rate, 0]));
const MIN = 60_000;
const SWEEP_MS = 300;

/**
 * School A is open around the clock (one period per half day, every day), so that its devices report at the lesson
 * pace and stay awake whenever the test runs; school B never has a lesson (one holiday over its whole term).
 */
const today = localDate(Date.now());
const term = (holiday: boolean) => [{
  term: 'Học kỳ thử', start: addDays(today, -20), end: addDays(today, 20), teachingDays: [1, 2, 3, 4, 5, 6, 7],
  periods: [{ session: 'morning' as const, no: 1, start: '00:00', end: '11:59' }, { session: 'afternoon' as const, no: 1, start: '12:00', end: '23:59' }],
  holidays: holiday ? [{ name: 'Nghỉ cả học kỳ', from: addDays(today, -20), to: addDays(today, 20) }] : [],
}];

describe('each default rule on its simulated fault, and not on its look-alike', () => {
  const s = useTestStack({ overrides: { alerts: { evaluateMs: 100, sweepMs: SWEEP_MS } } });

  it('fires the rule of every fault and raises nothing for the look-alikes', async () => {
    const scenario = parseScenario({
      seed: 10, intervalS: 0.4, faults: NO_FAULTS,
      districts: [{ code: 'SA-PA', name: 'Thị xã Sa Pa' }],
      schools: [
        { code: 'SP-THCS-1', name: 'Trường THCS Sa Pa', level: 'thcs', district: 'SA-PA', timetable: term(false), sites: [{ name: 'Điểm chính', rooms: [
          { code: 'P01', name: 'Phòng học thông minh 1', type: 'smart_classroom', use: 1, devices: { board: 4, tablet: 4, vr: 1, sensor: 2 } },
          { code: 'TN1', name: 'Phòng thí nghiệm', type: 'lab', use: 1, devices: { sensor: 1 } },
        ] }] },
        { code: 'SP-THCS-2', name: 'Trường THCS Tả Van', level: 'thcs', district: 'SA-PA', timetable: term(true), sites: [{ name: 'Điểm chính', rooms: [
          { code: 'TN1', name: 'Phòng thí nghiệm', type: 'lab', use: 0, devices: { sensor: 1 } },
        ] }] },
      ],
    });
    const devices = await provision(s.registry, scenario, path.join(s.dir, 'sim-credentials.json'));
    const of = (school: string, room: string, kind: SimDevice['kind']) =>
      devices.filter((d) => d.school.code === school && d.room.code === room && d.kind === kind);
    const [hot, silent, fineBoard, board59] = of('SP-THCS-1', 'P01', 'board') as [SimDevice, SimDevice, SimDevice, SimDevice];
    const [dying, flapping, badReader, onCharger] = of('SP-THCS-1', 'P01', 'tablet') as [SimDevice, SimDevice, SimDevice, SimDevice];
    const [skewed] = of('SP-THCS-1', 'P01', 'vr') as [SimDevice];
    const [stuck, bursting] = of('SP-THCS-1', 'P01', 'sensor') as [SimDevice, SimDevice];
    const [crowdedLab] = of('SP-THCS-1', 'TN1', 'sensor') as [SimDevice];
    const [emptyLab] = of('SP-THCS-2', 'TN1', 'sensor') as [SimDevice];

    // As an admin would on the rules screen, so that a real-time test does not wait minutes or hours: no duration
    // for overheating, and none for CO2 and heat in labs; a value stuck for 7.2 s (0.002 h); low counts. The first
    // connection of a device counts as one reconnect (never → online), so 2 means one drop.
    const override = (rule: RuleId, o: { kind?: string; roomType?: string }, params: Record<string, number>) =>
      s.registry.upsertRuleOverride(rule, { kind: o.kind ?? '', schoolId: 0, roomType: o.roomType ?? '', params, byUser: 'quantri', at: Date.now() });
    await override('board_overheat', { kind: 'board' }, { forMin: 0, holdOffMin: 0 });
    await override('co2_high', { roomType: 'lab' }, { forMin: 0, holdOffMin: 0 });
    await override('room_hot', { roomType: 'lab' }, { forMin: 0, holdOffMin: 0 });
    await override('sensor_stuck', { kind: 'sensor' }, { threshold: 0.002, clearAt: 0.002 });
    await override('reconnect_storm', {}, { threshold: 2, clearAt: 1 });
    await override('rejected_readings', {}, { threshold: 3, clearAt: 1 });

    const open = async (id: string) => (await s.registry.openAlerts([id])).filter((a) => a.state !== 'resolved');
    const rulesOf = async (id: string) => (await open(id)).map((a) => a.rule);
    const fired = (id: string, rule: RuleId, timeoutMs = 30_000) =>
      waitFor(`${rule} on ${id}`, async () => (await open(id)).find((a) => a.rule === rule && a.state === 'firing'), timeoutMs);
    const signalsOf = async (id: string) => (await s.registry.healthRows({ deviceIds: [id] }))[0]?.signals;

    // Devices a test publishes for itself, with a real MQTT client: the exact values of each look-alike.
    const clients: MqttClient[] = [];
    const publish = async (d: SimDevice, fields: Record<string, number | boolean | string>) => {
      const c = await connectDevice(s.mqttUrl, d.id, d.secret);
      clients.push(c);
      await c.publishAsync(topics.telemetry(d.id), JSON.stringify({ ts: Date.now(), ...fields }), { qos: 1 });
      await waitFor(`${d.id}'s reading in the registry`, async () => Object.keys((await signalsOf(d.id))?.latest ?? {}).length > 0);
    };

    // A dying battery loses 3 % a minute: the simulator starts with its clock half an hour back and the fault
    // already on, so the tablet's first reading (at the true time, no skew) is after 30 minutes of dying.
    const clock = { back: 30 * MIN, now() { return Date.now() - this.back; } };
    const sim = new Simulator({ brokerUrl: s.mqttUrl, devices: [hot, silent, fineBoard, dying, flapping, badReader, skewed, stuck, bursting], scenario, tickMs: 20, clock });
    sim.injectFault(dying.id, 'dying-battery', 3 * 3_600_000);
    clock.back = 0;
    try {
      // The look-alikes first, so that every pass of the engine until the end has judged them.
      await publish(board59, { power: 'on', temperature: 59, input: 'ops' });
      await publish(onCharger, { battery: 8, charging: true });
      await publish(emptyLab, { co2: 1800, occupancy: 0, temperature: 30, humidity: 70 });
      const lookAlikesAt = Date.now();
      await publish(crowdedLab, { co2: 1800, occupancy: 30, temperature: 36, humidity: 70 });

      await sim.start();
      const sims = [hot, silent, fineBoard, dying, flapping, badReader, skewed, stuck, bursting];
      await waitFor('every simulated device reporting', async () => {
        const rows = await s.registry.healthRows({ deviceIds: sims.map((d) => d.id) });
        return rows.length === sims.length && rows.every((r) => r.signals.lastReadingAt !== null && r.signals.intervalMs !== null);
      });

      expect(sim.injectFault(hot.id, 'overheat', 10 * MIN).devices).toEqual([hot.id]);
      sim.injectFault(flapping.id, 'flapping-wifi', 10 * MIN);
      sim.injectFault(stuck.id, 'stuck-sensor', 10 * MIN);
      sim.injectFault(skewed.id, 'clock-skew', 10 * MIN);
      sim.injectFault(silent.id, 'silent', 10 * MIN);
      sim.injectFault(bursting.id, 'error-burst', 2000);
      const badOnes = (async () => {
        for (let i = 1; i <= 3; i++) {
          sim.injectFault(badReader.id, 'bad-reading');
          await waitFor(`bad reading ${i} sent`, () => sim.stats.badSent >= i);
        }
      })();

      // Flapping Wi-Fi drops the link every 20–40 s: that wait is the longest, the others run beside it.
      const [overheat, battery, storm, stuckAlert, skew, noData, errors, rejected, co2, roomHot] = await Promise.all([
        fired(hot.id, 'board_overheat'), fired(dying.id, 'low_battery'), fired(flapping.id, 'reconnect_storm', 90_000),
        fired(stuck.id, 'sensor_stuck'), fired(skewed.id, 'clock_skew'), fired(silent.id, 'no_data'),
        fired(bursting.id, 'error_events'), badOnes.then(() => fired(badReader.id, 'rejected_readings')),
        fired(crowdedLab.id, 'co2_high'), fired(crowdedLab.id, 'room_hot'),
      ]);
      expect(overheat.value).toBeGreaterThan(60);
      expect(battery).toMatchObject({ field: 'battery' });
      expect(battery.value).toBeLessThan(15);
      expect(storm.value).toBeGreaterThanOrEqual(2);
      expect(stuckAlert.field).toMatch(/^(temperature|humidity|co2)$/);
      expect(skew.value).toBeGreaterThan(5);
      expect(noData.value).toBeGreaterThanOrEqual(5); // whole intervals, floored: the gap is past 5
      expect(errors.value).toBeGreaterThanOrEqual(3);
      expect(rejected.value).toBeGreaterThanOrEqual(3);
      expect(co2).toMatchObject({ value: 1800, field: 'co2' });
      expect(roomHot).toMatchObject({ value: 36, field: 'temperature' });

      // Dozens of passes have judged the look-alikes since their readings: none of them raised anything.
      expect(Date.now() - lookAlikesAt).toBeGreaterThan(10 * SWEEP_MS);
      expect({
        board59: await rulesOf(board59.id), onCharger: await rulesOf(onCharger.id),
        emptyLabOutOfHours: await rulesOf(emptyLab.id), fineBoard: await rulesOf(fineBoard.id),
      }).toEqual({ board59: [], onCharger: [], emptyLabOutOfHours: [], fineBoard: [] });
      expect((await signalsOf(onCharger.id))?.latest).toMatchObject({ battery: 8, charging: true });
      expect((await signalsOf(board59.id))?.latest).toMatchObject({ temperature: 59 });
      expect(sim.stats.errors).toBe(0);
    } finally {
      await sim.stop();
      await Promise.all(clients.map((c) => c.endAsync()));
    }
  }, 150_000);
});
