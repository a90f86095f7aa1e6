/**
 * The simulator's ground truth: which room was really in use in which timetabled period, and when it was used out of
 * hours, over a window of local days. The usage analytics measure their detection against this file.
 */
import { writeFileSync } from 'node:fs';
import type { RoomType } from '../registry/index.js';
import { addDays, localMidnight, type Session } from '../timetable/index.js';
import type { Scenario } from './scenario.js';
import { RoomSchedule } from './timetable.js';

export interface TruthPeriod {
  /** Local date yyyy-mm-dd. */
  date: string;
  session: Session;
  /** Number within its session (tiết 1 …). */
  no: number;
  /** UTC ms. */
  start: number;
  end: number;
  /** The room is in use for the whole period (true) or not at all (false). */
  inUse: boolean;
}

export interface TruthRoom {
  schoolCode: string;
  siteName: string;
  roomCode: string;
  roomType: RoomType;
  /** The room's `use` share in the scenario. */
  use: number;
  /** Devices the scenario gives the room (a room without devices cannot show its use). */
  devices: number;
  /** Every timetabled period of the window, in time order. */
  periods: TruthPeriod[];
  /** Every out-of-hours session of the window (UTC ms), in time order. */
  outOfHours: { start: number; end: number }[];
  /** Sums over the window, for convenience: periods, periods used, their minutes, minutes out of hours. */
  totals: { periods: number; periodsUsed: number; timetabledMin: number; inUseTimetabledMin: number; outOfHoursMin: number };
}

export interface GroundTruth {
  seed: number;
  /** First local day of the window (inclusive). */
  from: string;
  /** Local day after the window (exclusive): the window is [local midnight of `from`, local midnight of `to`). */
  to: string;
  /** The same window in UTC ms. */
  fromMs: number;
  toMs: number;
  rooms: TruthRoom[];
}

/** The ground truth of every room of a scenario over local days [from, to). */
export function groundTruth(scenario: Scenario, from: string, to: string): GroundTruth {
  const rooms: TruthRoom[] = [];
  for (const sc of scenario.schools) {
    sc.sites.forEach((site, si) => {
      for (const r of site.rooms) {
        const schedule = new RoomSchedule({ level: sc.level, seed: scenario.seed, roomKey: `${sc.code}/${si}/${r.code}`, use: r.use, outOfHours: r.outOfHours, timetable: sc.timetable });
        const periods: TruthPeriod[] = [];
        const outOfHours: TruthRoom['outOfHours'] = [];
        for (let date = from; date < to; date = addDays(date, 1)) {
          const day = schedule.day(date);
          for (const p of day.periods) periods.push({ date, session: p.slot.period.session, no: p.slot.period.no, start: p.slot.start, end: p.slot.end, inUse: p.inUse });
          outOfHours.push(...day.outOfHours);
        }
        const min = (list: { start: number; end: number }[]) => list.reduce((a, p) => a + (p.end - p.start) / 60_000, 0);
        const used = periods.filter((p) => p.inUse);
        rooms.push({
          schoolCode: sc.code, siteName: site.name, roomCode: r.code, roomType: r.type, use: r.use,
          devices: Object.values(r.devices).reduce((a: number, n) => a + (n ?? 0), 0), periods, outOfHours,
          totals: { periods: periods.length, periodsUsed: used.length, timetabledMin: min(periods), inUseTimetabledMin: min(used), outOfHoursMin: min(outOfHours) },
        });
      }
    });
  }
  return { seed: scenario.seed, from, to, fromMs: localMidnight(from), toMs: localMidnight(to), rooms };
}

export function writeTruth(file: string, truth: GroundTruth): void {
  writeFileSync(file, `${JSON.stringify(truth)}\n`);
}
