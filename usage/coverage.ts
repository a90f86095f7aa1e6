/**
 * When did a room's data cover its time? A room's devices may be silent for a morning because the school's uplink
 * was down: that morning is "no data", not "not in use". A moment is covered when at least one of the room's devices
 * was connected (its presence) or has a reading for it (a reading holds until the device's next one, for at most
 * STALE_MS, as in detection; readings uploaded later from a backlog count at their own timestamps).
 * Pure functions: the analyser feeds them what it read from InfluxDB.
 */
import { STALE_MS, type RoomDevice } from './detect.js';
import { mergeIntervals, type Interval } from './utilisation.js';

/** What a device's readings cover: each from its time to the next reading, for at most STALE_MS. */
export function readingCover(timestamps: number[], until = Infinity): Interval[] {
  const sorted = [...timestamps].sort((a, b) => a - b);
  return mergeIntervals(sorted.map((ts, i) => ({ start: ts, end: Math.min(sorted[i + 1] ?? Infinity, ts + STALE_MS, until) })));
}

/** A device's presence over the analysed range: whether it was online when the range began, and its changes in it. */
export interface PresenceTrack { onlineAtStart: boolean; changes: { ts: number; online: boolean }[] }

/** The intervals of [from, until) in which a device was connected. */
export function presenceCover(track: PresenceTrack, from: number, until: number): Interval[] {
  const out: Interval[] = [];
  let since: number | undefined = track.onlineAtStart ? from : undefined;
  for (const c of [...track.changes].sort((a, b) => a.ts - b.ts)) {
    if (c.ts >= until) break;
    if (c.online && since === undefined) since = Math.max(c.ts, from);
    else if (!c.online && since !== undefined) {
      out.push({ start: since, end: Math.max(since, c.ts) });
      since = undefined;
    }
  }
  if (since !== undefined) out.push({ start: since, end: until });
  return mergeIntervals(out);
}

/** What the room's data covers in [from, until): any device connected, or any device's readings holding. */
export function roomCoverage(devices: RoomDevice[], presence: PresenceTrack[], from: number, until: number): Interval[] {
  const parts: Interval[] = [];
  for (const d of devices) parts.push(...readingCover(d.readings.map((r) => r.ts), until));
  for (const p of presence) parts.push(...presenceCover(p, from, until));
  return mergeIntervals(parts.map((x) => ({ start: Math.max(x.start, from), end: Math.min(x.end, until) })));
}
