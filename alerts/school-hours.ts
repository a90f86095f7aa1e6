/**
 * The school day, per school: whether a timetabled period is running now, and how many timetabled minutes lie in a
 * span (teaching days only, holidays excluded), from each school's own timetable or its level's default.
 */
import type { Clock } from '../lib/clock.js';
import type { RegistryStore, SchoolLevel } from '../registry/index.js';
import { addDays, localDate, localMidnight, periodSlots, schoolTermsOn, type TermTimetable } from '../timetable/index.js';

const DAY_MS = 86_400_000;
/** Cached school days before the cache starts over (a sweep touches today, and yesterday for a long outage). */
const MAX_CACHED_DAYS = 20_000;

/** A period of one day, in UTC ms. */
type Span = readonly [start: number, end: number];

export class SchoolHours {
  private entered = new Map<number, TermTimetable[]>();
  private levels = new Map<number, SchoolLevel>();
  /** `${schoolId}:${local date}` → that day's periods: a sweep of 20,000 devices asks the same few questions. */
  private days = new Map<string, readonly Span[]>();

  constructor(private readonly o: { registry: RegistryStore; clock: Clock }) {}

  /** Reloads the timetables (they change rarely: the engine calls this every few minutes). Until then: no school hours. */
  async refresh(): Promise<void> {
    const [timetables, schools] = await Promise.all([this.o.registry.allTimetables(), this.o.registry.schools()]);
    this.entered = timetables;
    this.levels = new Map(schools.map((s) => [s.id, s.level]));
    this.days = new Map();
  }

  /** A timetabled period of the school is running at `at`. */
  isTimetabled(schoolId: number, at: number): boolean {
    return this.day(schoolId, localDate(at)).some(([start, end]) => at >= start && at < end);
  }

  /** Timetabled minutes of the school within [from, to). */
  timetabledMinutes(schoolId: number, from: number, to: number): number {
    if (!(to > from)) return 0;
    let ms = 0;
    for (let date = localDate(from); localMidnight(date) < to; date = addDays(date, 1)) {
      for (const [start, end] of this.day(schoolId, date)) ms += Math.max(0, Math.min(end, to) - Math.max(start, from));
    }
    return ms / 60_000;
  }

  private day(schoolId: number, date: string): readonly Span[] {
    const key = `${schoolId}:${date}`;
    let spans = this.days.get(key);
    if (!spans) {
      const level = this.levels.get(schoolId);
      const midnight = localMidnight(date);
      spans = level === undefined ? [] : periodSlots(schoolTermsOn(this.entered.get(schoolId) ?? [], level, date), midnight, midnight + DAY_MS).map((s) => [s.start, s.end] as const);
      if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
      this.days.set(key, spans);
    }
    return spans;
  }
}
