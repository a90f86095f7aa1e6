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
  void now;
  const out: Verdict[] = [];
  if (d.recordState !== 'in_use') return out;
  for (const def of Object.values(RULES)) {
    if (!def.kinds.includes(d.kind)) continue;
    const p = paramsOf(def.id);
    if (!p.enabled) continue;
    const v = judge(def.id, d, s, p);
    if (v) out.push(v);
  }
  return out;
}

const above = (rule: RuleId, value: number, p: RuleParams, field?: string): Verdict =>
  ({ rule, value, fire: value > p.threshold, clear: value <= p.clearAt, ...(field ? { field } : {}) });
const below = (rule: RuleId, value: number, p: RuleParams, field?: string): Verdict =>
  ({ rule, value, fire: value < p.threshold, clear: value >= p.clearAt, ...(field ? { field } : {}) });

/** The verdict of one rule, or undefined when the device reports nothing it could judge. */
function judge(rule: RuleId, d: DeviceContext, s: DeviceSignals, p: RuleParams): Verdict | undefined {
  const num = (f: string) => (typeof s.latest[f] === 'number' ? (s.latest[f] as number) : undefined);
  switch (rule) {
    case 'board_overheat': {
      const t = num('temperature');
      return t === undefined ? undefined : above(rule, t, p, 'temperature');
    }
    case 'low_battery': {
      const b = num('battery');
      if (b === undefined) return undefined;
      if (s.latest.charging === true) return { rule, value: b, fire: false, clear: true, field: 'battery' };
      return below(rule, b, p, 'battery');
    }
    default:
      return undefined; // the other rules: alerts/conditions.ts, completed with the health model
  }
}
