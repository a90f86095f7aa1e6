/**
 * Readings that arrive for a day already past (a device's backlog after a morning without uplink) change that day's
 * room usage: the days they fall on are marked in the report store, and the usage loop analyses them again
 * (usage/analyser.ts analyseRecent). A backlog comes in many messages, so each day is marked at most once per
 * MARK_EVERY_MS by this process; the mark's time is what the loop waits on, so a later mark is never lost.
 */
import type { Logger } from '../lib/logger.js';
import { vnDay } from '../lib/vn/time.js';
import type { ReportStore } from '../registry/index.js';

const MARK_EVERY_MS = 30_000;
const VN_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

export class LateDays {
  private readonly marked = new Map<string, number>();

  constructor(private readonly o: { store: ReportStore; log: Logger }) {}

  /** Notes the readings (their stored timestamps) taken at `now`; never throws (a failed mark is logged, the next one retries). */
  note(points: readonly { ts: number }[], now: number): void {
    // Most readings are of today: one comparison each, the day's name only for the late ones.
    const todayStart = Math.floor((now + VN_OFFSET_MS) / DAY_MS) * DAY_MS - VN_OFFSET_MS;
    let days: Set<string> | undefined;
    for (const p of points) {
      if (p.ts >= todayStart) continue;
      const day = vnDay(p.ts);
      if (now - (this.marked.get(day) ?? -Infinity) >= MARK_EVERY_MS) (days ??= new Set()).add(day);
    }
    if (!days) return;
    for (const d of days) this.marked.set(d, now);
    this.o.store.markDirtyDays([...days], now).catch((err: unknown) => {
      for (const d of days!) this.marked.delete(d);
      this.o.log.warn({ err, days: [...days!] }, 'could not mark days with late readings for re-analysis');
    });
  }
}
