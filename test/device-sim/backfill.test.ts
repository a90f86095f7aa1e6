import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backfill, parseScenario, provision, type GroundTruth, type Scenario, type SimDevice, type TruthRoom } from '../../device-sim/index.js';
import { addDays, localDate, SECONDARY_PERIODS, PRIMARY_PERIODS } from '../../timetable/index.js';
import { useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Two schools whose own timetables cover every day of the year, so that the test has lessons to backfill whatever
 * the date it runs on (the default timetable has none in summer): a secondary school teaching Monday to Saturday and
 * a primary school Monday to Friday, with a room used out of hours in the evening.
 */
function twoSchools(): Scenario {
  const term = (teachingDays: number[], periods: typeof SECONDARY_PERIODS) => [{ term: 'Năm học thử', start: '2000-01-01', end: '2099-12-31', teachingDays, periods, holidays: [] }];
  return parseScenario({
    seed: 11, intervalS: 60, districts: [{ code: 'BAT-XAT', name: 'Huyện Bát Xát' }],
    schools: [
      { code: 'BF-THCS', name: 'Trường THCS Bản Vược', level: 'thcs', district: 'BAT-XAT', timetable: term([1, 2, 3, 4, 5, 6], SECONDARY_PERIODS), sites: [{ name: 'Điểm chính', rooms: [
        { code: 'P.TM1', name: 'Phòng học thông minh 1', type: 'smart_classroom', capacity: 40, use: 0.5, devices: { board: 1, tablet: 2, vr: 2, sensor: 1 } },
        { code: 'P.TIN', name: 'Phòng Tin học', type: 'computer_room', capacity: 30, use: 0.9, devices: { board: 1 },
          outOfHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '19:00', end: '20:30' })) },
      ] }] },
      { code: 'BF-TH', name: 'Trường Tiểu học Y Tý', level: 'tieu_hoc', district: null, timetable: term([1, 2, 3, 4, 5], PRIMARY_PERIODS), sites: [{ name: 'Điểm chính', rooms: [
        { code: 'P.01', name: 'Phòng học 1', type: 'classroom', capacity: 30, use: 0.1, devices: { board: 1, sensor: 1 } },
      ] }] },
    ],
  });
}

const MIN = 60_000;

describe('backfill against a real stack', () => {
  const s = useTestStack();
  const today = localDate(Date.now());
  const from = addDays(today, -3);
  let devices: SimDevice[];
  let truth: GroundTruth;
  let perDevice: Record<string, number>;

  const rows = <T,>(q: string) => s.influx.query<T & { time: Date }>(q, { precision: 'ms' });
  const room = (code: string): TruthRoom => truth.rooms.find((r) => r.roomCode === code)!;
  const device = (roomCode: string, kind: string) => devices.find((d) => d.room.code === roomCode && d.kind === kind)!;

  it('publishes three days of history with past timestamps, every reading acknowledged and in InfluxDB, and writes the truth', async () => {
    const scenario = twoSchools();
    devices = await provision(s.registry, scenario, path.join(s.dir, 'sim-credentials.json'));
    expect(devices).toHaveLength(9);
    // The scenario's own timetable is the registry's too, for the analytics.
    expect((await s.registry.timetables((await s.registry.schools()).find((x) => x.code === 'BF-TH')!.id))[0]!.teachingDays).toEqual([1, 2, 3, 4, 5]);
    const truthFile = path.join(s.dir, 'truth.json');
    const seen: number[] = [];
    const r = await backfill({ brokerUrl: s.mqttUrl, devices, scenario, from, to: today, truthFile, intervalS: 60, onProgress: (p) => seen.push(p.devicesDone) });
    ({ truth, perDevice } = r);
    expect(r.errors).toBe(0);
    expect(r.readingsAcked).toBe(r.readingsTotal);
    expect(seen.at(-1)).toBe(9);
    expect(JSON.parse(readFileSync(truthFile, 'utf8'))).toEqual(truth);

    // Acknowledged means spooled; the gateway writes to InfluxDB a moment later. Then every device has exactly the
    // readings the backfill counted for it, all in the window.
    const counted = async () => {
      const out: Record<string, number> = {};
      for (const kind of ['board', 'tablet', 'vr', 'sensor']) {
        const counts = await rows<{ count: number; device: string }>(
          `SELECT count(temperature) FROM telemetry_${kind} WHERE time >= ${truth.fromMs}ms AND time < ${truth.toMs}ms GROUP BY device`);
        for (const c of counts) out[c.device] = c.count;
      }
      return out;
    };
    await waitFor('every backfilled reading in InfluxDB', async () => Object.values(await counted()).reduce((a, n) => a + n, 0) === r.readingsAcked);
    expect(await counted()).toEqual(perDevice);
    expect(Object.keys(perDevice).sort()).toEqual(devices.map((d) => d.id).sort());
    // Every reading kept the device's own (past) time: none was stamped with the server's.
    expect((await rows(`SELECT count(clock_replaced) FROM telemetry_board`)).length).toBe(0);
  });

  it('keeps a device never more than 15 minutes without a reading, and reads every minute while the school is open', async () => {
    const d = device('P.01', 'sensor');
    const times = (await rows<{ occupancy: number }>(`SELECT occupancy FROM telemetry_sensor WHERE device = '${d.id}'`)).map((x) => x.time.getTime());
    expect(times).toHaveLength(perDevice[d.id]!);
    expect(times[0]).toBe(truth.fromMs);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(15 * MIN);
    const lesson = room('P.01').periods[0]!;
    expect(times.filter((t) => t >= lesson.start && t < lesson.end).length).toBeGreaterThanOrEqual(Math.floor((lesson.end - lesson.start) / MIN));
  });

  it('marks Saturdays per level, every period, and use close to the rooms’ shares in the truth', () => {
    const days = (r: TruthRoom) => new Set(r.periods.map((p) => p.date));
    const saturdays = [0, 1, 2].map((i) => addDays(from, i)).filter((d) => new Date(`${d}T12:00:00Z`).getUTCDay() === 6);
    for (const sat of saturdays) {
      expect(days(room('P.TM1')).has(sat)).toBe(true);
      expect(days(room('P.01')).has(sat)).toBe(false);
    }
    expect(room('P.TM1').periods.filter((p) => p.date === from)).toHaveLength(new Date(`${from}T12:00:00Z`).getUTCDay() === 0 ? 0 : 9);
    expect(room('P.TIN').outOfHours).toHaveLength(3);
    const share = (r: TruthRoom) => r.totals.periodsUsed / r.totals.periods;
    expect(share(room('P.TIN'))).toBeGreaterThan(0.7);
    expect(share(room('P.01'))).toBeLessThan(0.35);
  });

  it('shows the devices of a room in use from the first instant of a period to its end, and idle around it', async () => {
    const periods = room('P.TM1').periods;
    // A period in use after one that is not: the devices must change state exactly at its start.
    const i = periods.findIndex((p, k) => p.inUse && k > 0 && !periods[k - 1]!.inUse);
    expect(i).toBeGreaterThan(0);
    const p = periods[i]!;
    const around = `time >= ${p.start - 10 * MIN}ms AND time <= ${p.end}ms`;
    const board = await rows<{ power: string; touches: number }>(`SELECT power, touches FROM telemetry_board WHERE device = '${device('P.TM1', 'board').id}' AND ${around}`);
    const before = board.filter((x) => x.time.getTime() < p.start);
    const during = board.filter((x) => x.time.getTime() >= p.start && x.time.getTime() < p.end);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((x) => x.touches === 0)).toBe(true);
    expect(during[0]!.time.getTime()).toBe(p.start);
    expect(during.every((x) => x.power === 'on' && x.touches > 0)).toBe(true);
    if (!periods[i + 1] || periods[i + 1]!.start > p.end) {
      const after = board.find((x) => x.time.getTime() === p.end)!;
      expect(after.touches).toBe(0);
    }
    const sensor = await rows<{ occupancy: number }>(`SELECT occupancy FROM telemetry_sensor WHERE device = '${device('P.TM1', 'sensor').id}' AND ${around}`);
    for (const x of sensor) {
      const t = x.time.getTime();
      if (t >= p.start && t < p.end) expect(x.occupancy).toBeGreaterThanOrEqual(28);
      else if (t < p.start) expect(x.occupancy).toBeLessThanOrEqual(4);
    }
    for (const kind of ['tablet', 'vr'] as const) {
      const field = kind === 'tablet' ? 'screenOn' : 'inSession';
      const id = device('P.TM1', kind).id;
      const list = await rows<Record<string, boolean>>(`SELECT ${field} FROM telemetry_${kind} WHERE device = '${id}' AND ${around}`);
      expect(list.find((x) => x.time.getTime() === p.start)?.[field]).toBe(true);
      expect(list.filter((x) => x.time.getTime() < p.start).every((x) => x[field] === false)).toBe(true);
    }
  });

  it('shows a room used out of hours for the whole of its evening session', async () => {
    const session = room('P.TIN').outOfHours[0]!;
    const board = await rows<{ power: string; touches: number }>(
      `SELECT power, touches FROM telemetry_board WHERE device = '${device('P.TIN', 'board').id}' AND time >= ${session.start - 30 * MIN}ms AND time <= ${session.end}ms`);
    const t = (x: { time: Date }) => x.time.getTime();
    expect(board.filter((x) => t(x) >= session.start && t(x) < session.end).every((x) => x.power === 'on' && x.touches > 0)).toBe(true);
    expect(board.some((x) => t(x) === session.start)).toBe(true);
    expect(board.find((x) => t(x) === session.end)).toMatchObject({ touches: 0 });
    expect(board.filter((x) => t(x) < session.start).every((x) => x.touches === 0)).toBe(true);
  });

  it('refuses a window that has not ended yet', async () => {
    await expect(backfill({ brokerUrl: s.mqttUrl, devices: [], scenario: twoSchools(), from: today, to: addDays(today, 1) })).rejects.toThrow(/must be in the past/);
  });
});
