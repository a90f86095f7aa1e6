import { describe, expect, it } from 'vitest';
import { newBody, reading } from '../../device-sim/behaviour.js';
import { seededRng } from '../../device-sim/random.js';
import { groundTruth, loadScenario, parseScenario, type Scenario } from '../../device-sim/index.js';
import { localTime, nextReadingAt, roomMoment, RoomSchedule, schoolActivity } from '../../device-sim/timetable.js';
import type { DeviceKind } from '../../protocol/index.js';

/** A UTC instant from a Vietnam local date and time (UTC+7). */
const vn = (iso: string) => Date.parse(`${iso}+07:00`);

describe('the school timetable in Asia/Ho_Chi_Minh', () => {
  it('reads weekday and minutes in Vietnam time', () => {
    expect(localTime(vn('2026-11-23T07:10:00'))).toMatchObject({ weekday: 1, minutes: 430 });
    expect(localTime(vn('2026-11-29T23:59:00'))).toMatchObject({ weekday: 0 });
    // 23:30 UTC on a Sunday is already Monday morning in Lào Cai.
    expect(localTime(Date.parse('2026-11-22T23:30:00Z'))).toMatchObject({ weekday: 1, minutes: 390 });
  });

  it('is in a period at 07:10 on a Monday, between periods at 07:47, closed at night and on Sunday', () => {
    expect(schoolActivity('thpt', vn('2026-11-23T07:10:00'))).toMatchObject({ activity: 'period', open: true });
    expect(schoolActivity('thpt', vn('2026-11-23T07:47:00')).activity).toBe('break');
    expect(schoolActivity('thpt', vn('2026-11-23T12:00:00')).activity).toBe('break');
    expect(schoolActivity('thpt', vn('2026-11-23T13:35:00'))).toMatchObject({ activity: 'period' });
    expect(schoolActivity('thpt', vn('2026-11-23T21:00:00')).activity).toBe('closed');
    expect(schoolActivity('thpt', vn('2026-11-29T09:00:00')).activity).toBe('closed');
  });

  it('teaches on Saturday in secondary schools but not in primary ones, whose periods are 35 minutes', () => {
    expect(schoolActivity('thcs', vn('2026-11-28T09:00:00')).activity).toBe('period');
    expect(schoolActivity('tieu_hoc', vn('2026-11-28T09:00:00')).activity).toBe('closed');
    expect(schoolActivity('tieu_hoc', vn('2026-11-23T07:40:00')).activity).toBe('period');
    expect(schoolActivity('tieu_hoc', vn('2026-11-23T07:52:00')).activity).toBe('break');
  });

  it('closes every level for Tết and the national holidays of the shared default timetable', () => {
    // Lunar new year 2027 falls on 6 February: schools close from 2 to 13 February.
    for (const level of ['thpt', 'thcs', 'tieu_hoc', 'mam_non'] as const) {
      expect(schoolActivity(level, vn('2027-02-03T09:00:00')).activity).toBe('closed');
      expect(schoolActivity(level, vn('2027-01-01T09:00:00')).activity).toBe('closed');
    }
    expect(schoolActivity('thcs', vn('2027-02-15T09:00:00')).activity).toBe('period');
    // Between the school years (June to early September) there is no lesson.
    expect(schoolActivity('thcs', vn('2026-07-15T09:00:00')).activity).toBe('closed');
  });

  it('follows a school timetable of the scenario instead of the default one', () => {
    const own = [{ term: 'Học kỳ riêng', start: '2026-09-01', end: '2027-05-31', teachingDays: [1, 2, 3, 4, 5, 6, 7], holidays: [], periods: [{ session: 'evening' as const, no: 1, start: '19:00', end: '20:00' }] }];
    expect(schoolActivity('thcs', vn('2026-11-29T19:30:00'), own).activity).toBe('period');
    expect(schoolActivity('thcs', vn('2026-11-23T09:00:00'), own).activity).toBe('closed');
  });

  it('keeps a room in use for the whole of an out-of-hours session, outside the school day', () => {
    const schedule = new RoomSchedule({ level: 'thcs', seed: 1, roomKey: 'x', use: 0, outOfHours: [{ weekday: 3, start: '19:00', end: '20:30' }] });
    expect(schedule.moment(vn('2026-11-25T19:00:00'))).toEqual({ activity: 'closed', open: false, inUse: true });
    expect(schedule.moment(vn('2026-11-25T20:29:59')).inUse).toBe(true);
    expect(schedule.moment(vn('2026-11-25T20:30:00')).inUse).toBe(false);
    expect(schedule.moment(vn('2026-11-26T19:30:00')).inUse).toBe(false); // a Thursday
    expect(schedule.moment(vn('2027-02-03T19:30:00')).inUse).toBe(false); // Wednesday in the Tết holiday
  });

  it('schedules a reading exactly at the start and the end of a period in use, and at least every 15 minutes at night', () => {
    const schedule = new RoomSchedule({ level: 'thcs', seed: 1, roomKey: 'x', use: 1 });
    const at = (t: number) => nextReadingAt(schedule, t, schedule.moment(t), 60_000, 1.2);
    expect(at(vn('2026-11-23T06:59:30'))).toBe(vn('2026-11-23T07:00:00'));
    expect(at(vn('2026-11-23T07:44:50'))).toBe(vn('2026-11-23T07:45:00'));
    expect(at(vn('2026-11-23T07:10:00'))).toBe(vn('2026-11-23T07:10:00') + 72_000);
    expect(at(vn('2026-11-23T23:00:00')) - vn('2026-11-23T23:00:00')).toBeLessThanOrEqual(15 * 60_000);
    expect(nextReadingAt(schedule, vn('2026-11-23T23:00:00'), schedule.moment(vn('2026-11-23T23:00:00')), 600_000)).toBe(vn('2026-11-23T23:15:00'));
  });

  it('uses a room in a share of periods close to its use share, the same whoever asks', () => {
    const room = { level: 'thcs' as const, seed: 1, roomKey: 'LC-THCS-002/0/P01', use: 0.4 };
    let periods = 0;
    let used = 0;
    for (let t = vn('2026-11-23T00:00:00'); t < vn('2026-12-21T00:00:00'); t += 5 * 60_000) {
      const m = roomMoment(room, t);
      if (m.activity === 'period') periods += 1;
      if (m.inUse) used += 1;
      expect(roomMoment(room, t)).toEqual(m);
    }
    expect(used / periods).toBeGreaterThan(0.3);
    expect(used / periods).toBeLessThan(0.5);
  });
});

/** What every kind of device in a smart classroom used in every lesson reports at a fixed moment. */
function classroomAt(iso: string): Record<DeviceKind, Record<string, unknown>> {
  const now = vn(iso);
  const m = roomMoment({ level: 'thpt', seed: 1, roomKey: 'LC-THPT-CHUYEN/0/P01', use: 1 }, now);
  const rng = seededRng(9);
  const read = (kind: DeviceKind) => reading(kind, newBody(rng), { inUse: m.inUse, open: m.open, capacity: 40, dtS: 60, now }, rng);
  return { board: read('board'), tablet: read('tablet'), vr: read('vr'), sensor: read('sensor') };
}

describe('devices follow the timetable of their room', () => {
  it('in a lesson the board is on and touched, tablets have their screen on, headsets are in session and the sensor counts pupils', () => {
    const r = classroomAt('2026-11-23T09:00:00');
    expect(r.board).toMatchObject({ power: 'on', brightness: 80 });
    expect(r.board.touches).toBeGreaterThan(0);
    expect(r.tablet).toMatchObject({ screenOn: true, locked: false, charging: false });
    expect(r.vr).toMatchObject({ inSession: true, charging: false });
    expect(r.sensor.occupancy).toBeGreaterThanOrEqual(28);
    expect(r.sensor.co2).toBeGreaterThan(800);
  });

  it('between two lessons nobody touches the board, screens are off and headsets charge', () => {
    const r = classroomAt('2026-11-23T08:40:00');
    expect(r.board.touches).toBe(0);
    expect(['on', 'standby']).toContain(r.board.power);
    expect(r.tablet).toMatchObject({ screenOn: false, locked: true });
    expect(r.vr).toMatchObject({ inSession: false, charging: true });
    expect(r.sensor.occupancy).toBeLessThan(5);
  });

  it('at night and on Sunday the board is off, tablets charge and the room is empty and dark', () => {
    for (const iso of ['2026-11-23T22:00:00', '2026-11-29T10:00:00']) {
      const r = classroomAt(iso);
      expect(r.board).toMatchObject({ power: 'off', touches: 0, brightness: 0, input: 'none' });
      expect(r.tablet).toMatchObject({ screenOn: false, charging: true });
      expect(r.vr).toMatchObject({ inSession: false, charging: true });
      expect(r.sensor.occupancy).toBe(0);
      expect(r.sensor.light).toBeLessThan(50);
    }
  });
});

/** Two schools of two levels, a room each, one with an evening club. */
function twoSchools(): Scenario {
  return parseScenario({
    seed: 3, districts: [{ code: 'BAT-XAT', name: 'Huyện Bát Xát' }],
    schools: [
      { code: 'S-THCS', name: 'Trường THCS A', level: 'thcs', district: 'BAT-XAT', sites: [{ name: 'Điểm chính', rooms: [
        { code: 'P01', name: 'Phòng Tin học', type: 'computer_room', use: 0.9, outOfHours: [{ weekday: 3, start: '19:00', end: '20:30' }], devices: { board: 1 } },
      ] }] },
      { code: 'S-TH', name: 'Trường Tiểu học B', level: 'tieu_hoc', district: null, sites: [{ name: 'Điểm chính', rooms: [
        { code: 'P01', name: 'Phòng học', type: 'classroom', use: 0.1, devices: { board: 1 } },
      ] }] },
    ],
  });
}

describe('the ground truth', () => {
  it('lists every timetabled period of every room, with Saturdays per level and no period in the Tết holiday', () => {
    // Monday 1 February to Monday 15 February 2027 (exclusive): one teaching week, then Tết (2–13 February).
    const truth = groundTruth(twoSchools(), '2027-01-25', '2027-02-15');
    expect(truth).toMatchObject({ seed: 3, from: '2027-01-25', to: '2027-02-15', fromMs: vn('2027-01-25T00:00:00'), toMs: vn('2027-02-15T00:00:00') });
    const [thcs, th] = truth.rooms;
    const days = (r: typeof thcs) => [...new Set(r!.periods.map((p) => p.date))];
    // THCS: Monday 25 January to Saturday 30 January, Monday 1 February; nine periods a day.
    expect(days(thcs)).toEqual(['2027-01-25', '2027-01-26', '2027-01-27', '2027-01-28', '2027-01-29', '2027-01-30', '2027-02-01']);
    expect(thcs!.periods).toHaveLength(7 * 9);
    // Primary: no Saturday.
    expect(days(th)).toEqual(['2027-01-25', '2027-01-26', '2027-01-27', '2027-01-28', '2027-01-29', '2027-02-01']);
    expect(th!.periods[0]).toMatchObject({ date: '2027-01-25', session: 'morning', no: 1, start: vn('2027-01-25T07:15:00'), end: vn('2027-01-25T07:50:00') });
    // The evening club meets on Wednesday 27 January, not in the Tết holiday (3 and 10 February).
    expect(thcs!.outOfHours).toEqual([{ start: vn('2027-01-27T19:00:00'), end: vn('2027-01-27T20:30:00') }]);
    expect(thcs!.totals).toMatchObject({ periods: 63, timetabledMin: 63 * 45, outOfHoursMin: 90 });
    expect(thcs!.totals.inUseTimetabledMin).toBe(thcs!.totals.periodsUsed * 45);
  });

  it('uses each room in a share of its periods close to its use share, and agrees with the room schedule', () => {
    const scenario = loadScenario('scenarios/term-20-schools.json');
    const truth = groundTruth(scenario, '2026-10-05', '2026-11-30');
    for (const r of truth.rooms) {
      expect(Math.abs(r.totals.periodsUsed / r.totals.periods - r.use)).toBeLessThan(0.1);
      const sc = scenario.schools.find((s) => s.code === r.schoolCode)!;
      const schedule = new RoomSchedule({ level: sc.level, seed: scenario.seed, roomKey: `${sc.code}/0/${r.roomCode}`, use: r.use, outOfHours: sc.sites[0]!.rooms.find((x) => x.code === r.roomCode)!.outOfHours });
      for (const p of r.periods.slice(0, 40)) expect(schedule.moment(p.start + 60_000).inUse).toBe(p.inUse);
    }
  });
});

describe('scenario files', () => {
  it('refuses an out-of-hours session that overlaps a timetabled period', () => {
    const bad = structuredClone(twoSchools()) as Scenario;
    bad.schools[0]!.sites[0]!.rooms[0]!.outOfHours = [{ weekday: 2, start: '16:30', end: '18:00' }];
    expect(() => parseScenario(bad)).toThrow(/outOfHours\/0: 16:30–18:00 on weekday 2 overlaps timetabled period afternoon 4/);
  });

  it('term-20-schools has twenty schools and more of mixed levels, saturated, idle and out-of-hours rooms', () => {
    const s = loadScenario('scenarios/term-20-schools.json');
    expect(s.schools.length).toBeGreaterThanOrEqual(20);
    expect(new Set(s.schools.map((x) => x.level)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(s.schools.map((x) => x.district))).toEqual(new Set(['TP-LAO-CAI', 'BAT-XAT', null]));
    const rooms = s.schools.flatMap((x) => x.sites.flatMap((st) => st.rooms));
    expect(rooms.filter((r) => r.use >= 0.85).length).toBeGreaterThanOrEqual(5);
    expect(rooms.filter((r) => r.use <= 0.1).length).toBeGreaterThanOrEqual(5);
    expect(rooms.filter((r) => r.outOfHours.length).length).toBeGreaterThanOrEqual(3);
  });
});
