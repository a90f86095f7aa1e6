import { describe, expect, it } from 'vitest';
import { daysText, scheduleSummary } from '../../domain/index.js';

describe('schedule summary', () => {
  it('reads as a person would write it, in Vietnamese and English', () => {
    expect(scheduleSummary({ days: [1, 2, 3, 4, 5, 6], at: '17:30', skipHolidays: true }, 'vi')).toBe('Thứ 2–Thứ 7 lúc 17:30, trừ ngày nghỉ');
    expect(scheduleSummary({ days: [6, 1, 2, 3, 4, 5], at: '17:30', skipHolidays: false }, 'en')).toBe('Mon–Sat at 17:30');
    expect(scheduleSummary({ days: [1, 2, 3, 4, 5, 6, 7], at: '21:00', until: { at: '06:00' }, skipHolidays: false }, 'vi')).toBe('Hằng ngày từ 21:00 đến 06:00 hôm sau');
    expect(scheduleSummary({ days: [1, 2, 3, 4, 5], at: '07:00', until: { at: '11:30' }, skipHolidays: true }, 'en'))
      .toBe('Mon–Fri from 07:00 to 11:30, except holidays and non-teaching days');
  });

  it('lists scattered days and pairs, and names Sunday', () => {
    expect(daysText([1, 3, 5], 'vi')).toBe('Thứ 2, Thứ 4, Thứ 6');
    expect(daysText([6, 7], 'vi')).toBe('Thứ 7, Chủ nhật');
    expect(daysText([1, 2, 3, 7], 'en')).toBe('Mon–Wed, Sun');
  });
});
