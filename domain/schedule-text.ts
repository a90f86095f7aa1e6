/**
 * A schedule in words, for the editor and the lists (docs/commands.md, "Schedules"): "Thứ 2–Thứ 7 lúc 17:30, trừ ngày
 * nghỉ", "Every day from 21:00 to 06:00 the next day". Pure: the web app and the server share it.
 */
type Lang = 'vi' | 'en';

const DAY = {
  vi: ['', 'Thứ 2', 'Thứ 3', 'Thứ 4', 'Thứ 5', 'Thứ 6', 'Thứ 7', 'Chủ nhật'],
  en: ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
} as const;

/** ISO weekday name (1 = Monday … 7 = Sunday). */
export const weekdayName = (d: number, lang: Lang): string => DAY[lang][d] ?? String(d);

/** Sorted, distinct ISO weekdays as runs: [1..6] → "Thứ 2–Thứ 7"; [1, 3, 5] → "Thứ 2, Thứ 4, Thứ 6". */
export function daysText(days: readonly number[], lang: Lang): string {
  const ds = [...new Set(days)].filter((d) => d >= 1 && d <= 7).sort((a, b) => a - b);
  if (ds.length === 7) return lang === 'vi' ? 'Hằng ngày' : 'Every day';
  const runs: [number, number][] = [];
  for (const d of ds) {
    const last = runs.at(-1);
    if (last && d === last[1] + 1) last[1] = d;
    else runs.push([d, d]);
  }
  return runs.map(([a, b]) => (a === b ? weekdayName(a, lang) : b === a + 1 ? `${weekdayName(a, lang)}, ${weekdayName(b, lang)}` : `${weekdayName(a, lang)}–${weekdayName(b, lang)}`)).join(', ');
}

export interface ScheduleShape { days: readonly number[]; at: string; until?: { at: string } | null; skipHolidays: boolean }

/** "Thứ 2–Thứ 7 lúc 17:30, trừ ngày nghỉ"; with a range "… từ 21:00 đến 06:00 hôm sau …". */
export function scheduleSummary(s: ScheduleShape, lang: Lang): string {
  const days = daysText(s.days, lang);
  const nextDay = s.until ? s.until.at <= s.at : false;
  const when = s.until
    ? lang === 'vi' ? `từ ${s.at} đến ${s.until.at}${nextDay ? ' hôm sau' : ''}` : `from ${s.at} to ${s.until.at}${nextDay ? ' the next day' : ''}`
    : lang === 'vi' ? `lúc ${s.at}` : `at ${s.at}`;
  const skip = s.skipHolidays ? (lang === 'vi' ? ', trừ ngày nghỉ' : ', except holidays and non-teaching days') : '';
  return `${days} ${when}${skip}`;
}
