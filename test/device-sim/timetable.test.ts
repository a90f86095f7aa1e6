import { describe, expect, it } from 'vitest';
import { localTime, schoolActivity } from '../../device-sim/timetable.js';

/** A UTC instant from a Vietnam local date and time (UTC+7). */
const vn = (iso: string) => Date.parse(`${iso}+07:00`);

describe('the school timetable in Asia/Ho_Chi_Minh', () => {
  it('reads weekday and minutes in Vietnam time', () => {
    expect(localTime(vn('2026-11-23T07:10:00'))).toMatchObject({ weekday: 1, minutes: 430 });
    expect(localTime(vn('2026-11-29T23:59:00'))).toMatchObject({ weekday: 0 });
  });

  it('is in a period at 07:10 on a Monday, between periods at 07:47, closed at night and on Sunday', () => {
    expect(schoolActivity('thpt', vn('2026-11-23T07:10:00'))).toMatchObject({ activity: 'period', period: 0 });
    expect(schoolActivity('thpt', vn('2026-11-23T07:47:00')).activity).toBe('break');
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
});
