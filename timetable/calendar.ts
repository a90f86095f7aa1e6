/**
 * From a term timetable to instants: every timetabled period between two UTC instants. Vietnam keeps UTC+7 all
 * year (no daylight saving), so a local time is a fixed offset from UTC; no time-zone library is needed.
 */
import { minutesOf, periodDays, type Period, type TermTimetable } from './model.js';

export const VN_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** A period on one day, in UTC milliseconds. */
export interface PeriodSlot {
  start: number;
  end: number;
  /** Local date yyyy-mm-dd. */
  date: string;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  period: Period;
  term: string;
}

/** UTC ms of local midnight of a local date. */
export function localMidnight(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) - VN_OFFSET_MS;
}

/** The local date (yyyy-mm-dd) of an instant. */
export function localDate(utcMs: number): string {
  return new Date(utcMs + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a local date. */
export function isoWeekday(date: string): number {
  const d = new Date(localMidnight(date) + VN_OFFSET_MS).getUTCDay();
  return d === 0 ? 7 : d;
}

export function addDays(date: string, n: number): string {
  return localDate(localMidnight(date) + n * DAY_MS);
}

/** Whether a local date is a teaching day of this term (in the term, a teaching weekday, not a holiday). */
export function isTeachingDay(t: TermTimetable, date: string): boolean {
  if (date < t.start || date > t.end) return false;
  if (!t.teachingDays.includes(isoWeekday(date))) return false;
  return !t.holidays.some((h) => date >= h.from && date <= h.to);
}

/** The holiday a local date falls in, if any. */
export function holidayOn(terms: TermTimetable[], date: string): string | undefined {
  for (const t of terms) for (const h of t.holidays) if (date >= h.from && date <= h.to) return h.name;
  return undefined;
}

/** Every timetabled period that starts in [fromMs, toMs), over all the school's terms, in time order. */
export function periodSlots(terms: TermTimetable[], fromMs: number, toMs: number): PeriodSlot[] {
  const out: PeriodSlot[] = [];
  for (let date = localDate(fromMs); localMidnight(date) < toMs; date = addDays(date, 1)) {
    const t = terms.find((x) => date >= x.start && date <= x.end);
    if (!t || !isTeachingDay(t, date)) continue;
    const midnight = localMidnight(date);
    const weekday = isoWeekday(date);
    for (const p of t.periods) {
      if (!periodDays(t, p).includes(weekday)) continue;
      const start = midnight + minutesOf(p.start) * 60_000;
      if (start < fromMs || start >= toMs) continue;
      out.push({ start, end: midnight + minutesOf(p.end) * 60_000, date, weekday, period: p, term: t.term });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}
