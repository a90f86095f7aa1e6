/**
 * Formatting and local-date arithmetic shared by the usage, planning and timetable pages. Dates are local days in
 * Vietnam (yyyy-mm-dd), from lib/vn/time.ts.
 */
import { addDays, vnDay, vnToday } from '../../../../../lib/vn/time.js';
import { fmtIsoDate, fmtNumber, type Lang, type T } from '../../i18n.js';

export { fmtPct, fmtVnd } from '../../i18n.js';
export { addDays } from '../../../../../lib/vn/time.js';

export function fmtHours(lang: Lang, h: number): string {
  return fmtNumber(lang, h, 1);
}

/** dd/mm/yyyy of a local date. */
export function fmtDay(d: string): string {
  return fmtIsoDate('vi', d);
}

export const today = vnToday;
export const localDay = vnDay;

export const isIsoDate = (s: string): boolean => /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(s);

/** A window of local days [from, to): `to` exclusive, as the API takes it. */
export interface DayWindow { from: string; to: string }

/** The last four weeks up to and including today. */
export function lastFourWeeks(now = Date.now()): DayWindow {
  const to = addDays(today(now), 1);
  return { from: addDays(to, -28), to };
}

/** The previous calendar month. */
export function lastMonth(now = Date.now()): DayWindow {
  const d = today(now);
  const to = `${d.slice(0, 7)}-01`;
  const y = Number(d.slice(0, 4));
  const m = Number(d.slice(5, 7));
  const from = m === 1 ? `${y - 1}-12-01` : `${y}-${String(m - 1).padStart(2, '0')}-01`;
  return { from, to };
}

/**
 * The default term around today (Học kỳ I 5 September – 17 January, Học kỳ II 18 January – 31 May, as in
 * timetable/defaults.ts), from its first day up to today; in the summer break, the term just ended.
 */
export function thisTerm(now = Date.now()): DayWindow {
  const d = today(now);
  const y = Number(d.slice(0, 4));
  const md = d.slice(5);
  let start: string;
  let end: string;
  if (md >= '09-05') { start = `${y}-09-05`; end = `${y + 1}-01-17`; }
  else if (md <= '01-17') { start = `${y - 1}-09-05`; end = `${y}-01-17`; }
  else { start = `${y}-01-18`; end = `${y}-05-31`; }
  const tomorrow = addDays(d, 1);
  const afterEnd = addDays(end, 1);
  return { from: start, to: tomorrow < afterEnd ? tomorrow : afterEnd };
}

const SLOT_ORDER = ['m', 'a', 'e'];
/** Heatmap slots in timetable order: m1…m6, a1…a6, e1…e4. */
export function compareSlots(a: string, b: string): number {
  return SLOT_ORDER.indexOf(a[0]!) - SLOT_ORDER.indexOf(b[0]!) || Number(a.slice(1)) - Number(b.slice(1));
}

/** "Sáng tiết 1", "Chiều tiết 3", "Tối tiết 2". */
export function slotLabel(t: T, slot: string): string {
  const s = slot[0];
  const session = s === 'm' || s === 'a' || s === 'e' ? t(`usage.session.${s}`) : slot;
  return t('usage.slot', { session, no: slot.slice(1) });
}

export function weekdayLabel(t: T, weekday: number, short = false): string {
  return weekday >= 1 && weekday <= 7 ? t(`usage.${short ? 'weekdayShort' : 'weekday'}.${weekday as 1 | 2 | 3 | 4 | 5 | 6 | 7}`) : String(weekday);
}
