/**
 * A sensible Vietnamese timetable per school level, for schools that have not entered their own: periods of 45
 * minutes (35 in primary), five in the morning and four in the afternoon; Monday–Friday in pre-school and primary,
 * Monday–Saturday in secondary; two terms (September–January, January–May) with Tết and the national holidays.
 */
import type { SchoolLevel } from '../domain/index.js';
import { addDays } from './calendar.js';
import type { Holiday, Period, TermTimetable } from './model.js';

const p = (session: Period['session'], no: number, start: string, end: string): Period => ({ session, no, start, end });

export const SECONDARY_PERIODS: Period[] = [
  p('morning', 1, '07:00', '07:45'), p('morning', 2, '07:50', '08:35'), p('morning', 3, '08:50', '09:35'),
  p('morning', 4, '09:40', '10:25'), p('morning', 5, '10:30', '11:15'),
  p('afternoon', 1, '13:30', '14:15'), p('afternoon', 2, '14:20', '15:05'), p('afternoon', 3, '15:20', '16:05'), p('afternoon', 4, '16:10', '16:55'),
];
export const PRIMARY_PERIODS: Period[] = [
  p('morning', 1, '07:15', '07:50'), p('morning', 2, '07:55', '08:30'), p('morning', 3, '08:50', '09:25'),
  p('morning', 4, '09:30', '10:05'), p('morning', 5, '10:10', '10:45'),
  p('afternoon', 1, '14:00', '14:35'), p('afternoon', 2, '14:40', '15:15'), p('afternoon', 3, '15:30', '16:05'), p('afternoon', 4, '16:10', '16:45'),
];
/** Pre-school has no lessons of fixed length: a morning and an afternoon block of activities. */
export const PRESCHOOL_PERIODS: Period[] = [p('morning', 1, '07:30', '10:30'), p('afternoon', 1, '14:00', '16:00')];

export function defaultPeriods(level: SchoolLevel): Period[] {
  if (level === 'mam_non') return PRESCHOOL_PERIODS;
  return level === 'tieu_hoc' ? PRIMARY_PERIODS : SECONDARY_PERIODS;
}

export function defaultTeachingDays(level: SchoolLevel): number[] {
  return level === 'mam_non' || level === 'tieu_hoc' ? [1, 2, 3, 4, 5] : [1, 2, 3, 4, 5, 6];
}

/** Lunar New Year's day (mùng 1 Tết), Gregorian. */
const TET: Record<number, string> = {
  2024: '2024-02-10', 2025: '2025-01-29', 2026: '2026-02-17', 2027: '2027-02-06', 2028: '2028-01-26',
  2029: '2029-02-13', 2030: '2030-02-03', 2031: '2031-01-23', 2032: '2032-02-11', 2033: '2033-01-31',
};
/** Hùng Kings' Commemoration (10/3 lunar), Gregorian. */
const HUNG_KINGS: Record<number, string> = {
  2024: '2024-04-18', 2025: '2025-04-07', 2026: '2026-04-26', 2027: '2027-04-16', 2028: '2028-04-04',
  2029: '2029-04-23', 2030: '2030-04-12',
};

/** The holidays of the school year starting in September of `year`; lunar dates beyond the tables are left out. */
export function defaultHolidays(year: number): Holiday[] {
  const next = year + 1;
  const out: Holiday[] = [{ name: 'Tết Dương lịch', from: `${next}-01-01`, to: `${next}-01-01` }];
  const tet = TET[next];
  // Schools close from about 27 Chạp to about mùng 7 Tết.
  if (tet) out.push({ name: 'Nghỉ Tết Nguyên đán', from: addDays(tet, -4), to: addDays(tet, 7) });
  const hung = HUNG_KINGS[next];
  if (hung) out.push({ name: 'Giỗ Tổ Hùng Vương', from: hung, to: hung });
  out.push({ name: 'Ngày Giải phóng miền Nam và Quốc tế Lao động', from: `${next}-04-30`, to: `${next}-05-01` });
  return out;
}

/** The school year (`year` = the September it starts in) that a local date falls in. */
export function schoolYearOf(date: string): number {
  const y = Number(date.slice(0, 4));
  return Number(date.slice(5, 7)) >= 8 ? y : y - 1;
}

/** The two default terms of a school year for a level. */
export function defaultTerms(level: SchoolLevel, year: number): TermTimetable[] {
  const base = { teachingDays: defaultTeachingDays(level), periods: defaultPeriods(level), holidays: defaultHolidays(year) };
  return [
    { term: `Học kỳ I ${year}-${year + 1}`, start: `${year}-09-05`, end: `${year + 1}-01-17`, ...base },
    { term: `Học kỳ II ${year}-${year + 1}`, start: `${year + 1}-01-18`, end: `${year + 1}-05-31`, ...base },
  ];
}
