/**
 * When a simulated room is really in use: the school's timetable (the shared `timetable/` module, so that the
 * simulator and the usage analytics agree on periods, teaching days and holidays, Tết included), the room's `use`
 * share drawn per period, and its weekly out-of-hours sessions. This is the simulator's ground truth.
 */
import { mergeIntervals, type Interval } from '../lib/intervals.js';
import type { SchoolLevel } from '../registry/index.js';
import {
  addDays, defaultTerms, holidayOn, isoWeekday, localDate, localMidnight, minutesOf, periodSlots, schoolYearOf,
  VN_OFFSET_MS, type PeriodSlot, type TermTimetable,
} from '../timetable/index.js';
import { hashUnit } from './random.js';

const DAY_MS = 86_400_000;
/** The school day runs from half an hour before its first period to half an hour after its last. */
const OPEN_MARGIN_MS = 30 * 60_000;

export type Activity = 'period' | 'break' | 'closed';

export interface LocalTime { weekday: number; minutes: number; day: number }

/** Weekday (0 = Sunday), minutes since midnight and a day number, in Vietnam. */
export function localTime(utcMs: number): LocalTime {
  const local = utcMs + VN_OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  return { weekday: (day + 4) % 7, minutes: Math.floor((local % DAY_MS) / 60_000), day };
}

const defaults = new Map<string, TermTimetable[]>();

/**
 * The terms that apply to a school on a local date, as the analytics choose them (`usage/terms.ts`): the school's
 * own terms when one covers the date, else its level's default terms of that school year that overlap none of its own.
 */
export function termsOn(level: SchoolLevel, own: TermTimetable[] | undefined, date: string): TermTimetable[] {
  const entered = own ?? [];
  if (entered.some((t) => date >= t.start && date <= t.end)) return entered;
  const year = schoolYearOf(date);
  let d = defaults.get(`${level}|${year}`);
  if (!d) defaults.set(`${level}|${year}`, (d = defaultTerms(level, year)));
  if (!entered.length) return d;
  return [...entered, ...d.filter((x) => !entered.some((t) => x.start <= t.end && t.start <= x.end))];
}

/** The period key of a slot as on the printed timetable and in the ground truth: `morning 3`, `afternoon 1`. */
const periodKey = (s: PeriodSlot) => `${s.period.session}${s.period.no}`;

/**
 * Whether a room is really in use in a period: drawn from the room's `use` share with a hash of (seed, room, local
 * date, period), so the same seed always gives the same answer whoever asks and in whatever order.
 */
export function roomInUse(seed: number, roomKey: string, use: number, date: string, period: string): boolean {
  return hashUnit(`${seed}|${roomKey}|${date}|${period}`) < use;
}

export type { Interval };

/** One local day of one room: its periods and whether each is used, its out-of-hours sessions, when it is busy. */
export interface DayPlan {
  date: string;
  /** The school day (first period − 30 min to last period + 30 min), or null on a day without lessons. */
  open: Interval | null;
  periods: { slot: PeriodSlot; inUse: boolean }[];
  /** Out-of-hours sessions of this day (UTC ms). */
  outOfHours: Interval[];
  /** When the room is in use, merged and sorted: used periods and out-of-hours sessions. */
  busy: Interval[];
  /** Every instant at which the room's state changes (busy starts and ends, the school opening and closing), sorted. */
  changes: number[];
}

/** What a room is doing at a moment. */
export interface RoomMoment {
  activity: Activity;
  /** The school day is on: a period, or a break between two. */
  open: boolean;
  inUse: boolean;
}

export interface RoomPlanOptions {
  level: SchoolLevel;
  seed: number;
  /** Unique key of the room across the province (`school/site/room`). */
  roomKey: string;
  use: number;
  /** Weekly out-of-hours sessions: ISO weekday and local "hh:mm". */
  outOfHours?: readonly { weekday: number; start: string; end: string }[];
  /** The school's own terms (default: its level's). */
  timetable?: TermTimetable[];
}

/** A room's true schedule of use, day by day (the last few days are kept: a run walks forward in time). */
export class RoomSchedule {
  private readonly cache = new Map<string, DayPlan>();

  constructor(readonly o: RoomPlanOptions) {}

  private last: { dayNo: number; plan: DayPlan } | undefined;

  /** The plan of the local day an instant falls in (the common case, the same day as last time, without date strings). */
  dayAt(t: number): DayPlan {
    const dayNo = Math.floor((t + VN_OFFSET_MS) / DAY_MS);
    if (this.last?.dayNo !== dayNo) this.last = { dayNo, plan: this.day(localDate(t)) };
    return this.last.plan;
  }

  day(date: string): DayPlan {
    let plan = this.cache.get(date);
    if (plan) return plan;
    plan = this.plan(date);
    if (this.cache.size >= 8) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(date, plan);
    return plan;
  }

  private plan(date: string): DayPlan {
    const midnight = localMidnight(date);
    const terms = termsOn(this.o.level, this.o.timetable, date);
    const slots = periodSlots(terms, midnight, midnight + DAY_MS);
    const periods = slots.map((slot) => ({ slot, inUse: roomInUse(this.o.seed, this.o.roomKey, this.o.use, date, periodKey(slot)) }));
    const inTerm = terms.some((t) => date >= t.start && date <= t.end);
    const weekday = isoWeekday(date);
    const outOfHours = inTerm && !holidayOn(terms, date)
      ? (this.o.outOfHours ?? []).filter((s) => s.weekday === weekday).map((s) => ({ start: midnight + minutesOf(s.start) * 60_000, end: midnight + minutesOf(s.end) * 60_000 }))
      : [];
    const open = slots.length ? { start: slots[0]!.start - OPEN_MARGIN_MS, end: slots.at(-1)!.end + OPEN_MARGIN_MS } : null;
    const busy = mergeIntervals([...periods.filter((p) => p.inUse).map((p) => ({ start: p.slot.start, end: p.slot.end })), ...outOfHours]);
    const changes = [...new Set([...busy.flatMap((b) => [b.start, b.end]), ...(open ? [open.start, open.end] : [])])].sort((a, b) => a - b);
    return { date, open, periods, outOfHours, busy, changes };
  }

  /** The room at an instant: in a period, a break or closed; open; in use (intervals are [start, end)). */
  moment(t: number): RoomMoment {
    const plan = this.dayAt(t);
    const inPeriod = plan.periods.some((p) => t >= p.slot.start && t < p.slot.end);
    const open = plan.open !== null && t >= plan.open.start && t < plan.open.end;
    return { activity: inPeriod ? 'period' : open ? 'break' : 'closed', open, inUse: plan.busy.some((b) => t >= b.start && t < b.end) };
  }

  /** The first instant after `t` at which the room's state changes, or `until` if none comes before it. */
  nextChange(t: number, until: number): number {
    const c = this.dayAt(t).changes.find((x) => x > t);
    if (c !== undefined) return Math.min(c, until);
    const last = localDate(until);
    for (let date = addDays(localDate(t), 1); date <= last; date = addDays(date, 1)) {
      const next = this.day(date).changes[0];
      if (next !== undefined) return Math.min(next, until);
    }
    return until;
  }
}

/** What a school of a level is doing at a moment (default timetable unless `timetable` is given). */
export function schoolActivity(level: SchoolLevel, utcMs: number, timetable?: TermTimetable[]): { activity: Activity; open: boolean } {
  const m = new RoomSchedule({ level, seed: 0, roomKey: '', use: 0, timetable }).moment(utcMs);
  return { activity: m.activity, open: m.open };
}

/** A room at a moment, for a one-off question (a simulator keeps one RoomSchedule per room instead). */
export function roomMoment(o: RoomPlanOptions, utcMs: number): RoomMoment {
  return new RoomSchedule(o).moment(utcMs);
}

/** A device's state is never older than this: the heartbeat while its school is closed. */
export const HEARTBEAT_MS = 15 * 60_000;
/** While the school is closed (and the room not in use) devices report this many times less often, at most HEARTBEAT_MS apart. */
export const NIGHT_SLOWDOWN = 6;

/**
 * When a device that read at `t` reads next: every `intervalMs` (× `jitter`) while its school is open or its room in
 * use, six times less often while closed (or every `closedMs`) but at least every 15 minutes, and always exactly at the
 * room's next change.
 */
export function nextReadingAt(schedule: RoomSchedule, t: number, m: RoomMoment, intervalMs: number, jitter = 1, closedMs = intervalMs * NIGHT_SLOWDOWN): number {
  const step = m.open || m.inUse ? intervalMs * jitter : Math.min(closedMs * jitter, HEARTBEAT_MS);
  return schedule.nextChange(t, t + step);
}
