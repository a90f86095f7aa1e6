/** Half-open time intervals [start, end) in UTC ms, and the two operations everything time-based needs. */
export interface Interval { start: number; end: number }

/** Sorted, non-overlapping intervals covering the same time (empty ones dropped). */
export function mergeIntervals(xs: Interval[]): Interval[] {
  const sorted = xs.filter((x) => x.end > x.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const x of sorted) {
    const last = out.at(-1);
    if (last && x.start <= last.end) last.end = Math.max(last.end, x.end);
    else out.push({ ...x });
  }
  return out;
}

/** Milliseconds of `merged` (sorted, disjoint) inside [start, end). */
export function coveredMs(merged: Interval[], start: number, end: number): number {
  let ms = 0;
  for (const x of merged) {
    if (x.end <= start) continue;
    if (x.start >= end) break;
    ms += Math.min(x.end, end) - Math.max(x.start, start);
  }
  return ms;
}
