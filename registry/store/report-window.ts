/** Calendar arithmetic of the report store: weeks and months of local dates (yyyy-mm-dd). */
import { addDays } from '../../timetable/calendar.js';

/** First day of the month after `month` (yyyy-mm). */
export const nextMonthStart = (month: string) => {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
};

/** Monday (local date) of the week a local date is in. */
export function weekOf(date: string): string {
  const wd = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((wd + 6) % 7));
}

/** Whole months inside [from, to) and the days left at the edges. */
export function splitWindow(from: string, to: string): { months: string[]; edges: [string, string][] } {
  const months: string[] = [];
  let firstFull = from.slice(8) === '01' ? from : nextMonthStart(from.slice(0, 7));
  let cursor = firstFull;
  while (nextMonthStart(cursor.slice(0, 7)) <= to) {
    months.push(cursor.slice(0, 7));
    cursor = nextMonthStart(cursor.slice(0, 7));
  }
  if (!months.length) return { months, edges: [[from, to]] };
  firstFull = `${months[0]}-01`;
  const edges: [string, string][] = [];
  if (from < firstFull) edges.push([from, firstFull]);
  if (cursor < to) edges.push([cursor, to]);
  return { months, edges };
}
