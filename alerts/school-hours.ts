/**
 * The school day, per school: whether a timetabled period is running now, and how many timetabled minutes lie in a
 * span (teaching days only, holidays excluded), from each school's own timetable or its level's default.
 * STUB written by the lead: the SIGNALS helper implements it; the signatures stay.
 */
import type { Clock } from '../lib/clock.js';
import type { RegistryStore } from '../registry/index.js';

export class SchoolHours {
  constructor(private readonly o: { registry: RegistryStore; clock: Clock }) {}

  /** Reloads the timetables (they change rarely: the engine calls this every few minutes). */
  async refresh(): Promise<void> {
    void this.o;
  }

  /** A timetabled period of the school is running at `at`. */
  isTimetabled(schoolId: number, at: number): boolean {
    void schoolId; void at;
    return false;
  }

  /** Timetabled minutes of the school within [from, to). */
  timetabledMinutes(schoolId: number, from: number, to: number): number {
    void schoolId; void from; void to;
    return 0;
  }
}
