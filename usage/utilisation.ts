/**
 * The arithmetic of room use against a timetable, on plain intervals (UTC ms):
 * - time utilisation: minutes in use during timetabled periods ÷ timetabled minutes;
 * - period utilisation: periods in use for at least half their length ÷ covered periods (periods whose data covers
 *   at least half their length, the same measure as use); periods without enough data are counted apart;
 * - use outside timetabled hours (breaks, evenings, days off), reported on its own;
 * - coverage: timetabled minutes the room's devices' data covered ÷ timetabled minutes. Time utilisation is taken
 *   over covered minutes only, and period utilisation over covered periods, so a morning without data is "no data",
 *   not "not in use".
 * Rollups split these by hour or local day: minutes go to the bucket they fall in, a period to the bucket it starts in.
 */
import { coveredMs, mergeIntervals, type Interval } from '../lib/intervals.js';
import { localDate, localMidnight, type PeriodSlot } from '../timetable/index.js';

export { coveredMs, mergeIntervals, type Interval };

const MIN = 60_000;

/** Whether a period counts as used: in use for at least half its length. */
export function periodUsed(merged: Interval[], slot: Interval): boolean {
  return coveredMs(merged, slot.start, slot.end) * 2 >= slot.end - slot.start;
}

/**
 * Whether a period counts as covered: the room's data covers at least half its length, the measure a period's use is
 * judged by. A used period is covered whatever its data says (its use is data).
 */
export function periodCovered(covered: Interval[], slot: Interval, used: boolean): boolean {
  return used || coveredMs(covered, slot.start, slot.end) * 2 >= slot.end - slot.start;
}

export interface UsageTotals {
  /** Minutes of timetabled periods. */
  timetabledMin: number;
  /** Minutes in use inside timetabled periods. */
  inUseTimetabledMin: number;
  periodsAvailable: number;
  periodsUsed: number;
  /** Minutes in use outside timetabled periods (breaks, evenings, days off, holidays). */
  outsideMin: number;
  /**
   * Timetabled minutes covered by the room's devices' data (a device connected, or readings for them). Absent:
   * totals from before coverage was measured, taken as whole.
   */
  coveredMin?: number;
  /**
   * Periods the room's data did not cover (periodCovered): neither used nor unused, left out of period utilisation.
   * Absent: totals from before periods' coverage was measured, every period taken as covered.
   */
  periodsUncovered?: number;
}

export const ZERO_TOTALS: UsageTotals = { timetabledMin: 0, inUseTimetabledMin: 0, periodsAvailable: 0, periodsUsed: 0, outsideMin: 0 };

/** Covered timetabled minutes (all of them for totals that do not say). */
export const coveredMin = (t: UsageTotals): number => t.coveredMin ?? t.timetabledMin;

export function addTotals(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    timetabledMin: a.timetabledMin + b.timetabledMin, inUseTimetabledMin: a.inUseTimetabledMin + b.inUseTimetabledMin,
    periodsAvailable: a.periodsAvailable + b.periodsAvailable, periodsUsed: a.periodsUsed + b.periodsUsed, outsideMin: a.outsideMin + b.outsideMin,
    ...(a.coveredMin === undefined && b.coveredMin === undefined ? {} : { coveredMin: coveredMin(a) + coveredMin(b) }),
    ...(a.periodsUncovered === undefined && b.periodsUncovered === undefined ? {} : { periodsUncovered: (a.periodsUncovered ?? 0) + (b.periodsUncovered ?? 0) }),
  };
}

/** Coverage 0..1: covered timetabled minutes ÷ timetabled minutes, or null without timetabled time. */
export const coverage = (t: UsageTotals): number | null => (t.timetabledMin > 0 ? Math.min(1, coveredMin(t) / t.timetabledMin) : null);

/** Time utilisation 0..1 over the covered timetabled minutes, or null when none was covered (or timetabled). */
export const timeUtilisation = (t: UsageTotals): number | null => {
  const covered = Math.min(coveredMin(t), t.timetabledMin);
  return covered > 0 ? Math.min(1, t.inUseTimetabledMin / covered) : null;
};
/** Periods the room's data covered (all of them for totals that do not say). */
export const periodsCovered = (t: UsageTotals): number => Math.max(0, t.periodsAvailable - (t.periodsUncovered ?? 0));

/**
 * Period utilisation 0..1 over the covered periods, or null when none was covered (or timetabled). Aggregates add
 * used and covered periods and divide at the end, like minutes.
 */
export const periodUtilisation = (t: UsageTotals): number | null => {
  const covered = periodsCovered(t);
  return covered > 0 ? Math.min(1, t.periodsUsed / covered) : null;
};

/**
 * The totals of [from, to): `inUse` intervals against the `slots` that start in the window. A period that starts in
 * the window counts whole (its minutes and its use), so adjacent windows add up exactly. `covered`: when the room's
 * data covered (coverage.ts); left out, every timetabled minute counts as covered.
 */
export function usageTotals(inUse: Interval[], slots: PeriodSlot[], from: number, to: number, covered?: Interval[]): UsageTotals {
  const merged = mergeIntervals(inUse);
  const known = covered && mergeIntervals(covered);
  const t = { ...ZERO_TOTALS };
  let inUseInSlotsMs = 0;
  let slotMs = 0;
  let coveredSlotMs = 0;
  let uncovered = 0;
  for (const s of slots) {
    if (s.start < from || s.start >= to) continue;
    const used = coveredMs(merged, s.start, s.end);
    slotMs += s.end - s.start;
    coveredSlotMs += known ? coveredMs(known, s.start, s.end) : s.end - s.start;
    inUseInSlotsMs += used;
    t.periodsAvailable++;
    const isUsed = used * 2 >= s.end - s.start;
    if (isUsed) t.periodsUsed++;
    if (known && !periodCovered(known, s, isUsed)) uncovered++;
  }
  // Outside: in use in the window but not in any timetabled period (periods of the window, or one running into it).
  const windowSlots = mergeIntervals(slots.filter((s) => s.end > from && s.start < to));
  let outsideMs = 0;
  for (const x of merged) {
    const a = Math.max(x.start, from);
    const b = Math.min(x.end, to);
    if (b > a) outsideMs += (b - a) - coveredMs(windowSlots, a, b);
  }
  t.timetabledMin = slotMs / MIN;
  t.inUseTimetabledMin = inUseInSlotsMs / MIN;
  t.outsideMin = outsideMs / MIN;
  if (known) {
    t.coveredMin = coveredSlotMs / MIN;
    t.periodsUncovered = uncovered;
  }
  return t;
}

export type Bucket = 'hour' | 'day';

/** Bucket starts covering [from, to): UTC hours (Vietnam's offset is whole hours) or local days. */
export function bucketStarts(bucket: Bucket, from: number, to: number): number[] {
  const out: number[] = [];
  if (bucket === 'hour') {
    for (let t = Math.floor(from / 3_600_000) * 3_600_000; t < to; t += 3_600_000) out.push(t);
  } else {
    for (let t = localMidnight(localDate(from)); t < to; t += 86_400_000) out.push(t);
  }
  return out;
}

/** Totals per bucket (hour or local day) of [from, to); buckets with nothing timetabled and no use are left out. */
export function rollup(inUse: Interval[], slots: PeriodSlot[], from: number, to: number, bucket: Bucket, covered?: Interval[]): { start: number; totals: UsageTotals }[] {
  const size = bucket === 'hour' ? 3_600_000 : 86_400_000;
  const merged = mergeIntervals(inUse);
  const out: { start: number; totals: UsageTotals }[] = [];
  for (const start of bucketStarts(bucket, from, to)) {
    const totals = usageTotals(merged, slots, Math.max(start, from), Math.min(start + size, to), covered);
    if (totals.periodsAvailable || totals.outsideMin) out.push({ start, totals });
  }
  return out;
}
