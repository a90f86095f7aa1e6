/**
 * Readings that arrive for a day already past (a device's backlog after a morning without uplink) change that day's
 * room usage: the days they fall on are marked in the report store, and the usage loop analyses them again
 * (usage/analyser.ts analyseRecent). A backlog comes in many messages, so a day is written at most once per
 * MARK_GAP_MS by this process, with a trailing write for what came in meanwhile: the mark's time always follows the
 * last late reading, and the loop clears a mark only after an analysis that started well after it.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { vnDay } from '../lib/vn/time.js';
import type { ReportStore } from '../registry/index.js';

export const MARK_GAP_MS = 1_000;
const VN_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** The start (UTC ms) of the Vietnam-time day that `t` falls on. */
const vnDayStart = (t: number): number => Math.floor((t + VN_OFFSET_MS) / DAY_MS) * DAY_MS - VN_OFFSET_MS;

export class LateDays {
  private readonly days = new Map<string, { last: number; timer?: NodeJS.Timeout }>();

  constructor(private readonly o: { store: ReportStore; log: Logger; clock: Clock }) {}

  /** Today (Vietnam time) as of the last `now` seen, worked out again only when `now` leaves it. */
  private todayStart = NaN;
  /** The last past day a reading fell on: a backlog holds many readings of one day, its name is worked out once. */
  private lateStart = NaN;
  private lateDay = '';

  /** Notes a reading (its stored timestamp) taken at `now`; never throws (a failed mark is logged, the next one retries). */
  noteReading(ts: number, now: number): void {
    if (!(now >= this.todayStart && now < this.todayStart + DAY_MS)) this.todayStart = vnDayStart(now);
    // Most readings are of today: one comparison each.
    if (ts >= this.todayStart) return;
    if (!(ts >= this.lateStart && ts < this.lateStart + DAY_MS)) {
      this.lateStart = vnDayStart(ts);
      this.lateDay = vnDay(ts);
    }
    this.mark(this.lateDay, now);
  }

  private mark(day: string, now: number): void {
    const m = this.days.get(day);
    if (!m) return this.write(day, now);
    if (m.timer) return; // a trailing write is already due
    const wait = m.last + MARK_GAP_MS - now;
    if (wait <= 0) return this.write(day, now);
    m.timer = setTimeout(() => {
      m.timer = undefined;
      this.write(day, this.o.clock.now());
    }, wait);
    m.timer.unref();
  }

  private write(day: string, at: number): void {
    const m = this.days.get(day) ?? { last: at };
    m.last = at;
    this.days.set(day, m);
    this.o.store.markDirtyDays([day], at).catch((err: unknown) => {
      this.days.delete(day);
      this.o.log.warn({ err, day }, 'could not mark a day with late readings for re-analysis');
    });
  }

  /** Drops trailing writes: the mark written before each is recent enough for the loop to wait on. */
  stop(): void {
    for (const m of this.days.values()) clearTimeout(m.timer);
    this.days.clear();
  }
}
