import { describe, expect, it } from 'vitest';
import { newBody, reading } from '../../device-sim/behaviour.js';
import { seededRng } from '../../device-sim/random.js';
import { localTime, roomMoment, schoolActivity } from '../../device-sim/timetable.js';
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
    expect(schoolActivity('thpt', vn('2026-11-23T07:10:00'))).toMatchObject({ activity: 'period', period: 0 });
    expect(schoolActivity('thpt', vn('2026-11-23T07:47:00')).activity).toBe('break');
    expect(schoolActivity('thpt', vn('2026-11-23T12:00:00')).activity).toBe('break');
    expect(schoolActivity('thpt', vn('2026-11-23T13:35:00'))).toMatchObject({ activity: 'period', period: 5 });
    expect(schoolActivity('thpt', vn('2026-11-23T21:00:00')).activity).toBe('closed');
    expect(schoolActivity('thpt', vn('2026-11-29T09:00:00')).activity).toBe('closed');
  });

  it('teaches on Saturday in secondary schools but not in primary ones, whose periods are 35 minutes', () => {
    expect(schoolActivity('thcs', vn('2026-11-28T09:00:00')).activity).toBe('period');
    expect(schoolActivity('tieu_hoc', vn('2026-11-28T09:00:00')).activity).toBe('closed');
    expect(schoolActivity('tieu_hoc', vn('2026-11-23T07:40:00')).activity).toBe('period');
    expect(schoolActivity('tieu_hoc', vn('2026-11-23T07:52:00')).activity).toBe('break');
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
