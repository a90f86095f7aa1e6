import type { SchoolLevel } from '../registry/index.js';
import { hashUnit } from './random.js';

/** Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving), so local time is a fixed offset. */
const VN_OFFSET_MS = 7 * 3_600_000;

export type Activity = 'period' | 'break' | 'closed';

/** Minutes since local midnight of each period's start and end. */
type Period = [number, number];
const hm = (h: number, m: number) => h * 60 + m;

/** Default timetables (the room-usage work makes them per school and term): 45-minute periods, 35 in primary. */
const SECONDARY: Period[] = [
  [hm(7, 0), hm(7, 45)], [hm(7, 50), hm(8, 35)], [hm(8, 50), hm(9, 35)], [hm(9, 40), hm(10, 25)], [hm(10, 30), hm(11, 15)],
  [hm(13, 30), hm(14, 15)], [hm(14, 20), hm(15, 5)], [hm(15, 20), hm(16, 5)], [hm(16, 10), hm(16, 55)],
];
const PRIMARY: Period[] = [
  [hm(7, 15), hm(7, 50)], [hm(7, 55), hm(8, 30)], [hm(8, 50), hm(9, 25)], [hm(9, 30), hm(10, 5)], [hm(10, 10), hm(10, 45)],
  [hm(14, 0), hm(14, 35)], [hm(14, 40), hm(15, 15)], [hm(15, 30), hm(16, 5)], [hm(16, 10), hm(16, 45)],
];

export interface LocalTime { weekday: number; minutes: number; day: number }

/** Weekday (0 = Sunday), minutes since midnight and a day number, in Vietnam. */
export function localTime(utcMs: number): LocalTime {
  const local = utcMs + VN_OFFSET_MS;
  const day = Math.floor(local / 86_400_000);
  return { weekday: (day + 4) % 7, minutes: Math.floor((local % 86_400_000) / 60_000), day };
}

export function periodsOf(level: SchoolLevel): Period[] {
  return level === 'tieu_hoc' || level === 'mam_non' ? PRIMARY : SECONDARY;
}

/** Primary and pre-school teach Monday to Friday; secondary schools Monday to Saturday. */
export function teachesOn(level: SchoolLevel, weekday: number): boolean {
  if (weekday === 0) return false;
  return weekday !== 6 || !(level === 'tieu_hoc' || level === 'mam_non');
}

/** What a school is doing at a moment: in a period (with its index), between periods in the school day, or closed. */
export function schoolActivity(level: SchoolLevel, utcMs: number): { activity: Activity; period?: number; day: number } {
  const t = localTime(utcMs);
  if (!teachesOn(level, t.weekday)) return { activity: 'closed', day: t.day };
  const periods = periodsOf(level);
  const i = periods.findIndex(([a, b]) => t.minutes >= a && t.minutes < b);
  if (i >= 0) return { activity: 'period', period: i, day: t.day };
  const first = periods[0]![0] - 30;
  const last = periods.at(-1)![1] + 30;
  return { activity: t.minutes >= first && t.minutes < last ? 'break' : 'closed', day: t.day };
}

/**
 * Whether a room is really in use in a period: the simulator's ground truth, drawn per room, day and period from
 * the room's `use` share, so the same seed always gives the same answer whoever asks.
 */
export function roomInUse(seed: number, roomKey: string, use: number, day: number, period: number): boolean {
  return hashUnit(`${seed}|${roomKey}|${day}|${period}`) < use;
}

/** What a room is doing at a moment: the school's activity, whether the school day is on, whether a lesson uses the room. */
export interface RoomMoment {
  activity: Activity;
  /** The school day is on: a period, or a break between two. */
  open: boolean;
  inUse: boolean;
}

export function roomMoment(o: { level: SchoolLevel; seed: number; roomKey: string; use: number }, utcMs: number): RoomMoment {
  const act = schoolActivity(o.level, utcMs);
  const inUse = act.activity === 'period' && roomInUse(o.seed, o.roomKey, o.use, act.day, act.period!);
  return { activity: act.activity, open: act.activity !== 'closed', inUse };
}
