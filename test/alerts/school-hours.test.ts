import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchoolHours } from '../../alerts/school-hours.js';
import type { RegistryStore } from '../../registry/index.js';
import { localMidnight } from '../../timetable/index.js';
import { useEngines } from '../helpers/engines.js';
import { seedSchool, tempDir } from '../helpers/stack.js';

/** UTC ms of a local (Asia/Ho_Chi_Minh) date and time. */
const at = (date: string, hhmm: string) => localMidnight(date) + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * 60_000;
const TUESDAY = '2026-10-13';

describe('SchoolHours', () => {
  const engines = useEngines();
  const dir = tempDir();
  let registry: RegistryStore;
  let hours: SchoolHours;
  let thpt: number;
  let own: number;
  let unknownTomorrow: SchoolHours;

  beforeAll(async () => {
    registry = await engines.open('sqlite', dir);
    thpt = (await seedSchool(registry)).school.id;
    const district = await registry.ensureDistrict({ code: 'BAT-XAT', name: 'Huyện Bát Xát' });
    own = (await registry.ensureSchool({ code: 'BX-TH-1', name: 'Trường Tiểu học Bát Xát', level: 'tieu_hoc', districtId: district.id })).id;
    // Its own timetable: afternoons only, one holiday on the Tuesday.
    await registry.setTimetables(own, [{
      term: 'Học kỳ I 2026-2027', start: '2026-09-05', end: '2027-01-17', teachingDays: [1, 2, 3, 4, 5],
      periods: [{ session: 'afternoon', no: 1, start: '13:00', end: '14:00' }],
      holidays: [{ name: 'Ngày hội trường', from: '2026-10-20', to: '2026-10-20' }],
    }]);
    hours = new SchoolHours({ registry, clock: { now: () => at(TUESDAY, '09:30') } });
    await hours.refresh();
    unknownTomorrow = new SchoolHours({ registry, clock: { now: () => 0 } });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a period of a teaching Tuesday is school hours; the break between periods and the evening are not', () => {
    expect(hours.isTimetabled(thpt, at(TUESDAY, '09:30'))).toBe(true);
    expect(hours.isTimetabled(thpt, at(TUESDAY, '09:37'))).toBe(false);
    expect(hours.isTimetabled(thpt, at(TUESDAY, '18:00'))).toBe(false);
    expect(hours.isTimetabled(thpt, at('2026-10-18', '09:30'))).toBe(false); // a Sunday
  });

  it('a board silent from 09:30 on a teaching Tuesday has missed timetabled minutes', () => {
    // 09:30–09:35 of period 3, then period 4 (09:40–10:25) in full.
    expect(hours.timetabledMinutes(thpt, at(TUESDAY, '09:30'), at(TUESDAY, '10:30'))).toBe(50);
  });

  it('a board switched off at 18:00 until the next morning misses none', () => {
    expect(hours.timetabledMinutes(thpt, at(TUESDAY, '18:00'), at('2026-10-14', '06:45'))).toBe(0);
  });

  it('a holiday has no school hours (Tết Dương lịch on a Friday)', () => {
    expect(hours.isTimetabled(thpt, at('2027-01-01', '09:00'))).toBe(false);
    expect(hours.timetabledMinutes(thpt, at('2027-01-01', '06:00'), at('2027-01-01', '18:00'))).toBe(0);
    // The Friday before is a teaching day: 5 morning and 4 afternoon periods of 45 minutes.
    expect(hours.timetabledMinutes(thpt, at('2026-12-25', '06:00'), at('2026-12-25', '18:00'))).toBe(9 * 45);
  });

  it('counts across midnight: Monday 16:00 to Tuesday 08:00', () => {
    // Monday 16:00–16:05 (5) and 16:10–16:55 (45), Tuesday 07:00–07:45 (45) and 07:50–08:00 (10).
    expect(hours.timetabledMinutes(thpt, at('2026-10-12', '16:00'), at(TUESDAY, '08:00'))).toBe(105);
  });

  it("a school's own timetable replaces its level's default, holidays included", () => {
    expect(hours.isTimetabled(own, at(TUESDAY, '09:30'))).toBe(false);
    expect(hours.isTimetabled(own, at(TUESDAY, '13:30'))).toBe(true);
    expect(hours.timetabledMinutes(own, at(TUESDAY, '00:00'), at('2026-10-14', '00:00'))).toBe(60);
    expect(hours.timetabledMinutes(own, at('2026-10-20', '00:00'), at('2026-10-21', '00:00'))).toBe(0);
    // After its term, the primary level's default applies (Saturday is no teaching day in primary).
    expect(hours.isTimetabled(own, at('2027-03-02', '07:20'))).toBe(true);
    expect(hours.isTimetabled(own, at('2027-03-06', '07:20'))).toBe(false);
  });

  it('an unknown school, or before the first refresh, has no school hours', async () => {
    expect(hours.isTimetabled(9999, at(TUESDAY, '09:30'))).toBe(false);
    expect(unknownTomorrow.timetabledMinutes(thpt, at(TUESDAY, '07:00'), at(TUESDAY, '11:00'))).toBe(0);
    await unknownTomorrow.refresh();
    expect(unknownTomorrow.timetabledMinutes(thpt, at(TUESDAY, '07:00'), at(TUESDAY, '11:00'))).toBe(4 * 45 + 30); // period 5 runs to 11:15
  });

  it('picks up a changed timetable on refresh', async () => {
    const h = new SchoolHours({ registry, clock: { now: () => 0 } });
    await h.refresh();
    expect(h.isTimetabled(thpt, at(TUESDAY, '18:30'))).toBe(false);
    await registry.setTimetables(thpt, [{
      term: 'Học kỳ I 2026-2027', start: '2026-09-05', end: '2027-01-17', teachingDays: [2],
      periods: [{ session: 'evening', no: 1, start: '18:00', end: '19:00' }], holidays: [],
    }]);
    expect(h.isTimetabled(thpt, at(TUESDAY, '18:30'))).toBe(false);
    await h.refresh();
    expect(h.isTimetabled(thpt, at(TUESDAY, '18:30'))).toBe(true);
  });
});
