/**
 * Each rule's verdict on one device at one instant, from the signals the gateways recorded and the school day.
 * Pure: no clock, no I/O. The alert engine (alerts/engine.ts) turns verdicts into alerts with their durations,
 * hold-offs and lifecycle; the health model (alerts/health.ts) turns them into ok / warning / critical.
 */
import type { DeviceKind } from '../protocol/index.js';
import type { DeviceSignals, DeviceState, RoomType, RuleId } from '../domain/index.js';
import { RULES, type RuleParams } from './rules.js';

/** Where a device is and what its school is doing now. */
export interface DeviceContext {
  id: string;
  kind: DeviceKind;
  /** The register's state: a device in repair or retired raises nothing. */
  recordState: DeviceState;
  roomId: number;
  roomType: RoomType | string;
  siteId: number;
  schoolId: number;
  districtId: number | null;
  /** The school has a timetabled period now (a teaching day, not a holiday). */
  schoolHours: boolean;
  /** Minutes of timetabled time since the device went offline (0 when it is not offline). */
  offlineSchoolMinutes: number;
}

/**
 * One rule on one device: `fire` when the value is beyond the threshold, `clear` when it is back beyond the
 * clear level (hysteresis); neither in between, where an open alert stays as it is.
 */
export interface Verdict {
  rule: RuleId;
  fire: boolean;
  clear: boolean;
  value?: number;
  field?: string;
}

export type ParamsOf = (rule: RuleId) => RuleParams;

/** Every enabled rule that applies to the device's kind, judged now. */
export function evaluate(d: DeviceContext, s: DeviceSignals, paramsOf: ParamsOf, now: number): Verdict[] {
  const out: Verdict[] = [];
  if (d.recordState !== 'in_use') return out;
  for (const def of Object.values(RULES)) {
    if (!def.kinds.includes(d.kind)) continue;
    const p = paramsOf(def.id);
    if (!p.enabled) continue;
    const v = judge(def.id, d, s, p, now);
    if (v) out.push(v);
  }
  return out;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
/**
 * Sensor fields that drift all day in a working room. Light and occupancy sit at 0 all night and battery at 100 on
 * mains power: unchanged for hours is normal for those, so they are never called stuck.
 */
const DRIFTING_FIELDS = ['temperature', 'humidity', 'co2'] as const;

const above = (rule: RuleId, value: number, p: RuleParams, field?: string): Verdict =>
  ({ rule, value, fire: value > p.threshold, clear: value <= p.clearAt, ...(field ? { field } : {}) });
const below = (rule: RuleId, value: number, p: RuleParams, field?: string): Verdict =>
  ({ rule, value, fire: value < p.threshold, clear: value >= p.clearAt, ...(field ? { field } : {}) });
/** Counted rules: "3 times in an hour" fires at the 3rd, and clears once fewer than `clearAt` remain in the window. */
const counted = (rule: RuleId, value: number, p: RuleParams): Verdict =>
  ({ rule, value, fire: value >= p.threshold, clear: value < p.clearAt });
/** The condition does not hold at all (a device that went offline has no "no data"): any open alert may clear. */
const fine = (rule: RuleId, value?: number, field?: string): Verdict =>
  ({ rule, fire: false, clear: true, ...(value !== undefined ? { value } : {}), ...(field ? { field } : {}) });

/** Entries of a bounded, time-ordered list within the last `windowMin` (scanned from the newest end). */
function countSince(times: readonly number[], windowMin: number, now: number): number {
  const from = now - windowMin * MINUTE;
  let n = 0;
  for (let i = times.length - 1; i >= 0 && times[i]! > from; i--) if (times[i]! <= now) n++;
  return n;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The verdict of one rule, or undefined when the device reports nothing it could judge. */
function judge(rule: RuleId, d: DeviceContext, s: DeviceSignals, p: RuleParams, now: number): Verdict | undefined {
  const num = (f: string) => (typeof s.latest[f] === 'number' ? (s.latest[f] as number) : undefined);
  switch (rule) {
    case 'offline_school_hours':
      if (s.presence === 'never') return undefined; // registered, never installed: not a failure
      if (s.presence !== 'offline') return fine(rule);
      return above(rule, d.offlineSchoolMinutes, p);
    case 'board_overheat':
    case 'room_hot': {
      const t = num('temperature');
      return t === undefined ? undefined : above(rule, t, p, 'temperature');
    }
    case 'low_battery':
      return lowBattery(d, s, p);
    case 'co2_high': {
      const c = num('co2');
      if (c === undefined) return undefined;
      // Nobody breathes the air of an empty room out of hours: nothing to warn about, and an open alert may end.
      const occupied = (num('occupancy') ?? 0) > 0 || d.schoolHours;
      return occupied ? above(rule, c, p, 'co2') : fine(rule, c, 'co2');
    }
    case 'no_data': {
      if (s.presence === 'never') return undefined;
      if (s.presence !== 'online') return fine(rule); // offline is the offline rule's; asleep is not silent
      if (!s.intervalMs || s.lastReadingAt === null) return undefined;
      const gap = Math.max(0, now - s.lastReadingAt);
      const value = Math.floor(gap / s.intervalMs);
      return { rule, value, fire: gap > p.threshold * s.intervalMs, clear: gap <= p.clearAt * s.intervalMs };
    }
    case 'sensor_stuck':
      return stuck(s, p, now);
    case 'error_events':
      return counted(rule, countSince(s.errors, p.windowMin, now), p);
    case 'rejected_readings':
      return counted(rule, countSince(s.rejected, p.windowMin, now), p);
    case 'reconnect_storm':
      return counted(rule, countSince(s.reconnects, p.windowMin, now), p);
    case 'low_storage': {
      const mb = num('storageFree');
      return mb === undefined ? undefined : below(rule, mb, p, 'storageFree');
    }
    case 'weak_wifi': {
      const rssi = num('wifiRssi');
      if (rssi === undefined) return undefined;
      // The last RSSI of a device that left is no news: the offline rule speaks for it.
      return s.presence === 'online' ? below(rule, rssi, p, 'wifiRssi') : fine(rule, rssi, 'wifiRssi');
    }
    case 'flooding': {
      const f = s.flooding;
      return above(rule, f && f.ts > now - p.windowMin * MINUTE ? f.ratePerSec : 0, p);
    }
    case 'clock_skew':
      // Judged on the exact minutes, rounded for display only (as sensor_stuck).
      return s.skewMs === null ? undefined : { ...above(rule, Math.abs(s.skewMs) / MINUTE, p), value: round1(Math.abs(s.skewMs) / MINUTE) };
  }
}

/**
 * The main battery (unless it is on the charger) and, on a VR headset, both controllers, which charge apart from
 * it: fires when any is low, clears only when all are back; the value and field are the lowest one's.
 */
function lowBattery(d: DeviceContext, s: DeviceSignals, p: RuleParams): Verdict | undefined {
  const fields = d.kind === 'vr' ? ['battery', 'leftController', 'rightController'] : ['battery'];
  let low: { field: string; value: number } | undefined;
  let seen = false;
  for (const f of fields) {
    const v = s.latest[f];
    if (typeof v !== 'number') continue;
    seen = true;
    if (f === 'battery' && s.latest.charging === true) continue;
    if (!low || v < low.value) low = { field: f, value: v };
  }
  if (!seen) return undefined;
  if (!low) return fine('low_battery', s.latest.battery as number, 'battery');
  return below('low_battery', low.value, p, low.field);
}

/**
 * A sensor that keeps reporting (online, and its latest reading is recent) while one of its drifting values has not
 * moved for hours. Measured up to the latest reading, not to now: a sensor that went silent is "no data", not stuck.
 */
function stuck(s: DeviceSignals, p: RuleParams, now: number): Verdict | undefined {
  if (s.lastReadingAt === null) return undefined;
  const reporting = s.presence === 'online' && (!s.intervalMs || now - s.lastReadingAt <= 2 * s.intervalMs + MINUTE);
  let worst: { field: string; hours: number } | undefined;
  for (const f of DRIFTING_FIELDS) {
    const since = s.changedAt[f];
    if (typeof s.latest[f] !== 'number' || since === undefined) continue;
    const hours = Math.max(0, s.lastReadingAt - since) / HOUR;
    if (!worst || hours > worst.hours) worst = { field: f, hours };
  }
  if (!worst) return undefined;
  if (!reporting) return fine('sensor_stuck', round1(worst.hours), worst.field);
  // Judged on the exact hours and rounded for display only: a rounded value would never pass a threshold under 0.05 h.
  return { ...above('sensor_stuck', worst.hours, p, worst.field), value: round1(worst.hours) };
}
