/**
 * Which terms apply to a school on a date, and whether that date is a school day: the alerts' school hours, the
 * usage reports and the command schedules all ask, so the rule lives here once.
 */
import type { SchoolLevel } from '../domain/index.js';
import { holidayOn, isTeachingDay } from './calendar.js';
import { defaultTerms, schoolYearOf } from './defaults.js';
import type { TermTimetable } from './model.js';

/**
 * The terms that apply to a school around a date: the ones it entered, or else its level's default for that school
 * year. A school that entered some terms but not the one a date falls in gets the default for that date only.
 */
export function schoolTermsOn(entered: readonly TermTimetable[], level: SchoolLevel, date: string): TermTimetable[] {
  if (entered.some((t) => date >= t.start && date <= t.end)) return [...entered];
  return [...entered, ...defaultTerms(level, schoolYearOf(date)).filter((d) => !entered.some((t) => d.start <= t.end && t.start <= d.end))];
}

/**
 * Why a local date is not a school day (Vietnamese first, as a fire's note shows it: "ngày nghỉ: Tết Nguyên đán",
 * "không phải ngày học"), or null when it is one.
 */
export function notSchoolDay(terms: readonly TermTimetable[], date: string): string | null {
  const term = terms.find((t) => date >= t.start && date <= t.end);
  if (term && isTeachingDay(term, date)) return null;
  const holiday = holidayOn([...terms], date);
  return holiday ? `ngày nghỉ: ${holiday}` : 'không phải ngày học';
}
