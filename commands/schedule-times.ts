/**
 * When a schedule fires (docs/commands.md, "Schedules"): node-schedule's RecurrenceRule in Asia/Ho_Chi_Minh gives
 * the local weekday and time of each `at` part; a range's `until` part follows its own `at` part (the next morning
 * when `until` is not later), belongs to that part's day and is skipped with it.
 */
import schedule from 'node-schedule';
import type { ScheduleRunTime } from '../api/commands.js';
import { TIME_ZONE } from '../lib/clock.js';
import type { SchoolLevel } from '../domain/index.js';
import { addDays, localDate, localMidnight, minutesOf, notSchoolDay, schoolTermsOn, type TermTimetable } from '../timetable/index.js';

const DAY_MS = 86_400_000;
/** nextRuns gives up looking this far ahead: a school on summer holiday still shows its runs of September. */
const HORIZON_MS = 200 * DAY_MS;

/** What the times of a schedule depend on. */
export interface ScheduleTimesShape {
  days: readonly number[];
  at: string;
  command: string;
  until: { at: string; command: string } | null;
}

/** A fire time with the local date of its `at` part (the day whose holidays decide whether it is skipped). */
export interface FireTime extends ScheduleRunTime {
  date: string;
}

/** Why a local date is skipped ("ngày nghỉ: Tết Nguyên đán"), or null when the schedule runs that day. */
export type SkipCheck = (date: string) => string | null;

/** The node-schedule rule of local ISO weekdays at a local HH:MM (ISO 7 = Sunday is node-schedule's 0). */
export function recurrenceOf(days: readonly number[], hhmm: string): schedule.RecurrenceRule {
  const rule = new schedule.RecurrenceRule();
  rule.tz = TIME_ZONE;
  rule.dayOfWeek = [...new Set(days)].map((d) => d % 7);
  rule.hour = Number(hhmm.slice(0, 2));
  rule.minute = Number(hhmm.slice(3, 5));
  rule.second = 0;
  return rule;
}

/** The `until` part of the `at` part fired on local date `date`. */
function untilOf(s: ScheduleTimesShape, date: string): number {
  const until = s.until!;
  const nextDay = minutesOf(until.at) <= minutesOf(s.at);
  return localMidnight(nextDay ? addDays(date, 1) : date) + minutesOf(until.at) * 60_000;
}

/** Every fire time in (fromMs, toMs], both parts, in time order. */
export function fireTimes(s: ScheduleTimesShape, fromMs: number, toMs: number): FireTime[] {
  if (!(toMs > fromMs) || !s.days.length) return [];
  const rule = recurrenceOf(s.days, s.at);
  const out: FireTime[] = [];
  // An `until` part in the window may belong to an `at` part up to a day before it.
  let next = rule.nextInvocationDate(new Date(s.until ? fromMs - DAY_MS : fromMs));
  while (next && next.getTime() <= toMs) {
    const at = next.getTime();
    const date = localDate(at);
    if (at > fromMs) out.push({ at, part: 'at', command: s.command, date });
    if (s.until) {
      const until = untilOf(s, date);
      if (until > fromMs && until <= toMs) out.push({ at: until, part: 'until', command: s.until.command, date });
    }
    next = rule.nextInvocationDate(next);
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The next `n` fire times after `fromMs`, leaving out the days `isSkipped` names a reason for. */
export function nextRuns(s: ScheduleTimesShape, fromMs: number, n: number, isSkipped: SkipCheck = () => null): ScheduleRunTime[] {
  const out: ScheduleRunTime[] = [];
  for (let from = fromMs; out.length < n && from < fromMs + HORIZON_MS; from += 14 * DAY_MS) {
    for (const t of fireTimes(s, from, from + 14 * DAY_MS)) {
      if (isSkipped(t.date) !== null) continue;
      out.push({ at: t.at, part: t.part, command: t.command });
      if (out.length === n) break;
    }
  }
  return out;
}

/** The skip check of a schedule that skips its school's holidays and non-teaching days (its timetable, or its level's). */
export function schoolDaySkips(entered: readonly TermTimetable[], level: SchoolLevel): SkipCheck {
  return (date) => notSchoolDay(schoolTermsOn(entered, level, date), date);
}
