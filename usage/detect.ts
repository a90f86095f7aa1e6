/**
 * When is a room in use? From its devices' readings, by the documented rules of docs/usage.md:
 * - each reading tells a device's state from its time until the device's next reading, for at most STALE_MS (a
 *   device that stops reporting is not "still in use");
 * - a device is *active* by its kind's rule (board on with touches, tablet screen on, headset in session, sensor
 *   counting people);
 * - a room is *in use* while its room type's rule holds on the active devices (e.g. a smart classroom with its board
 *   active, or three tablets, or two headsets, or five people counted).
 * Pure functions: the analyser feeds them readings from InfluxDB and writes what they return.
 */
import type { DeviceKind } from '../protocol/index.js';
import type { RoomType } from '../domain/index.js';
import { mergeIntervals, type Interval } from './utilisation.js';

/** A device's state outlives its last reading by at most this much (devices send a heartbeat every 15 minutes). */
export const STALE_MS = 20 * 60_000;

export type Values = Record<string, number | boolean | string | null | undefined>;
export interface DeviceReading { ts: number; values: Values }

/** People an occupancy sensor must count for the room to be in use (fewer: a cleaner, a teacher preparing). */
export const OCCUPIED_MIN = 5;

/** Whether one reading shows the device in use. Fields a reading leaves out keep their last value, except counters. */
export const ACTIVE_RULES: Record<string, { fields: string[]; counters?: string[]; active: (v: Values) => boolean; text: string }> = {
  board: { fields: ['power', 'touches'], counters: ['touches'], active: (v) => v.power === 'on' && Number(v.touches ?? 0) > 0, text: 'on, with touches since the previous reading' },
  tablet: { fields: ['screenOn'], active: (v) => v.screenOn === true, text: 'screen on' },
  vr: { fields: ['inSession'], active: (v) => v.inSession === true, text: 'in a session (lesson app running, headset worn)' },
  sensor: { fields: ['occupancy'], active: (v) => Number(v.occupancy ?? 0) >= OCCUPIED_MIN, text: `counts at least ${OCCUPIED_MIN} people` },
};
/** The intervals in which a device was active, from its readings (any order). */
export function activeIntervals(kind: DeviceKind, readings: DeviceReading[], until = Infinity): Interval[] {
  const rule = ACTIVE_RULES[kind];
  if (!rule) return [];
  const sorted = [...readings].sort((a, b) => a.ts - b.ts);
  const out: Interval[] = [];
  let state: Values = {};
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i]!;
    state = { ...state };
    for (const c of rule.counters ?? []) state[c] = undefined;
    for (const f of rule.fields) if (r.values[f] !== undefined && r.values[f] !== null) state[f] = r.values[f];
    const end = Math.min(sorted[i + 1]?.ts ?? Infinity, r.ts + STALE_MS, until);
    if (end > r.ts && rule.active(state)) out.push({ start: r.ts, end });
  }
  return mergeIntervals(out);
}

/** What makes a room of a type "in use"; any one condition is enough. */
export interface RoomRule {
  /** An active interactive board. */
  board: boolean;
  /** Active tablets: at least this many … */
  tabletsMin: number;
  /** … and at least this share of the room's tablets (computer rooms). */
  tabletsShare: number;
  /** Headsets in session. */
  vrMin: number;
  /** Occupancy sensor active (counting at least OCCUPIED_MIN people). */
  occupancy: boolean;
}

const ANY: RoomRule = { board: true, tabletsMin: 3, tabletsShare: 0, vrMin: 2, occupancy: true };
export const ROOM_RULES: Record<RoomType, RoomRule> = {
  classroom: ANY,
  smart_classroom: ANY,
  // A computer room is in use when a real share of its machines is, not when one pupil checks mail at break.
  computer_room: { ...ANY, tabletsShare: 0.3 },
  lab: ANY,
  stem_room: ANY,
  vr_room: { ...ANY, vrMin: 2 },
  meeting_room: ANY,
  studio: ANY,
};

export interface RoomDevice { id: string; kind: DeviceKind; readings: DeviceReading[] }

/** Evidence of one interval of use: what was active at its peak, and which conditions held. */
/** Peak numbers of active boards, tablets, headsets and occupied-room sensors, and which conditions held. */
export interface Evidence { boards: number; tablets: number; vr: number; sensors: number; by: string[] }
export interface UseInterval extends Interval { evidence: Evidence }

/**
 * The intervals in which a room was in use, each with its evidence, and every device's active intervals (for
 * device-level hours in session). `until` clips open states (the analysis runs up to "now").
 */
export function roomUse(type: RoomType, devices: RoomDevice[], until = Infinity): { intervals: UseInterval[]; devices: Map<string, Interval[]> } {
  const rule = ROOM_RULES[type] ?? ANY;
  const perDevice = new Map<string, Interval[]>();
  const tabletsInRoom = devices.filter((d) => d.kind === 'tablet').length;
  const tabletsNeeded = Math.max(rule.tabletsMin, Math.ceil(rule.tabletsShare * tabletsInRoom));
  const events: { t: number; kind: DeviceKind; delta: number; occupancy?: number }[] = [];
  for (const d of devices) {
    const active = activeIntervals(d.kind, d.readings, until);
    perDevice.set(d.id, active);
    for (const a of active) events.push({ t: a.start, kind: d.kind, delta: 1 }, { t: a.end, kind: d.kind, delta: -1 });
  }
  events.sort((a, b) => a.t - b.t || a.delta - b.delta);
  const count: Record<string, number> = { board: 0, tablet: 0, vr: 0, sensor: 0 };
  const intervals: UseInterval[] = [];
  let open: UseInterval | undefined;
  for (let i = 0; i < events.length; ) {
    const t = events[i]!.t;
    for (; i < events.length && events[i]!.t === t; i++) count[events[i]!.kind] = (count[events[i]!.kind] ?? 0) + events[i]!.delta;
    const by: string[] = [];
    if (rule.board && count.board! > 0) by.push('board');
    if (count.tablet! >= tabletsNeeded && count.tablet! > 0) by.push('tablets');
    if (count.vr! >= rule.vrMin && count.vr! > 0) by.push('vr');
    if (rule.occupancy && count.sensor! > 0) by.push('occupancy');
    if (by.length) {
      if (!open) intervals.push((open = { start: t, end: t, evidence: { boards: 0, tablets: 0, vr: 0, sensors: 0, by: [] } }));
      const e = open.evidence;
      e.boards = Math.max(e.boards, count.board!);
      e.tablets = Math.max(e.tablets, count.tablet!);
      e.vr = Math.max(e.vr, count.vr!);
      e.sensors = Math.max(e.sensors, count.sensor!);
      for (const b of by) if (!e.by.includes(b)) e.by.push(b);
    } else if (open) {
      open.end = t;
      open = undefined;
    }
  }
  return { intervals: intervals.filter((x) => x.end > x.start), devices: perDevice };
}
