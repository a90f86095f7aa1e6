/**
 * The alert rules and the defaults a Sở can use on day one. A rule's parameters can be overridden per device kind,
 * per school and per room type (stored in the registry, edited on the rules screen); the most specific override
 * wins, field by field (docs/alerts.md).
 */
import type { DeviceKind } from '../protocol/index.js';
import type { RoomType, RuleId, RuleParams, Severity } from '../domain/index.js';

export type { RuleParams };

export interface RuleDefinition {
  id: RuleId;
  /** The kinds the rule looks at. */
  kinds: readonly DeviceKind[];
  /** What `threshold` measures. */
  unit: '°C' | '%' | 'ppm' | 'min' | 'count' | 'intervals' | 'h' | 'MB' | 'dBm' | 'msg/s';
  /** 'above': fires when the value exceeds threshold; 'below': when it falls under it. */
  direction: 'above' | 'below';
  defaults: RuleParams;
}

const base = { enabled: true, severity: 'warning' as Severity, forMin: 0, windowMin: 60, holdOffMin: 5, renotifyMin: 240 };
const ALL: readonly DeviceKind[] = ['board', 'tablet', 'vr', 'sensor'];

export const RULES: Record<RuleId, RuleDefinition> = {
  // Offline for more than `threshold` minutes while the school has a timetabled period (holidays excluded).
  offline_school_hours: { id: 'offline_school_hours', kinds: ALL, unit: 'min', direction: 'above',
    defaults: { ...base, severity: 'critical', threshold: 15, clearAt: 15, holdOffMin: 2 } },
  // Battery under 15 % and not charging; clears at 20 %.
  low_battery: { id: 'low_battery', kinds: ['tablet', 'vr', 'sensor'], unit: '%', direction: 'below',
    defaults: { ...base, threshold: 15, clearAt: 20 } },
  board_overheat: { id: 'board_overheat', kinds: ['board'], unit: '°C', direction: 'above',
    defaults: { ...base, severity: 'critical', threshold: 60, clearAt: 55, forMin: 2 } },
  // CO2 over 1,500 ppm for 10 minutes in an occupied room (people counted, or a timetabled period).
  co2_high: { id: 'co2_high', kinds: ['sensor'], unit: 'ppm', direction: 'above',
    defaults: { ...base, threshold: 1500, clearAt: 1200, forMin: 10 } },
  room_hot: { id: 'room_hot', kinds: ['sensor'], unit: '°C', direction: 'above',
    defaults: { ...base, threshold: 35, clearAt: 33, forMin: 10 } },
  // Connected, but no reading for `threshold` of its usual intervals.
  no_data: { id: 'no_data', kinds: ALL, unit: 'intervals', direction: 'above',
    defaults: { ...base, threshold: 5, clearAt: 5 } },
  // A sensor value unchanged for `threshold` hours while the sensor keeps reporting.
  sensor_stuck: { id: 'sensor_stuck', kinds: ['sensor'], unit: 'h', direction: 'above',
    defaults: { ...base, threshold: 3, clearAt: 3, holdOffMin: 0 } },
  // Counted rules (error_events, rejected_readings, reconnect_storm): fires when at least `threshold` happened within
  // `windowMin` ("3 times in an hour" fires at the 3rd), clears when fewer than `clearAt` remain in the window.
  // `threshold` error events within `windowMin`.
  error_events: { id: 'error_events', kinds: ALL, unit: 'count', direction: 'above',
    defaults: { ...base, threshold: 3, clearAt: 1, holdOffMin: 30 } },
  rejected_readings: { id: 'rejected_readings', kinds: ALL, unit: 'count', direction: 'above',
    defaults: { ...base, threshold: 10, clearAt: 1, holdOffMin: 30 } },
  // Device clock more than `threshold` minutes from the server's.
  clock_skew: { id: 'clock_skew', kinds: ALL, unit: 'min', direction: 'above',
    defaults: { ...base, threshold: 5, clearAt: 2 } },
  reconnect_storm: { id: 'reconnect_storm', kinds: ALL, unit: 'count', direction: 'above',
    defaults: { ...base, threshold: 10, clearAt: 2, holdOffMin: 15 } },
  // Free storage under 500 MB: lesson apps and videos no longer install or download.
  low_storage: { id: 'low_storage', kinds: ['tablet'], unit: 'MB', direction: 'below',
    defaults: { ...base, threshold: 500, clearAt: 1000, holdOffMin: 30 } },
  // Wi-Fi weaker than −80 dBm for 10 minutes: the classroom's access point is too far or failing.
  weak_wifi: { id: 'weak_wifi', kinds: ['tablet'], unit: 'dBm', direction: 'below',
    defaults: { ...base, threshold: -80, clearAt: -72, forMin: 10 } },
  // Throttled by the broker within the last `windowMin` for publishing over mqtt.publishRatePerSec; the value is the
  // rate its messages arrived at. Firmware in a loop, or a device re-sending without waiting for PUBACK.
  flooding: { id: 'flooding', kinds: ALL, unit: 'msg/s', direction: 'above',
    defaults: { ...base, threshold: 0, clearAt: 0, windowMin: 10 } },
};

/** A stored override: '' / 0 for "any" (kept non-NULL so a UNIQUE key holds on both engines). */
export interface RuleOverride {
  rule: RuleId;
  kind: DeviceKind | '';
  schoolId: number;
  roomType: RoomType | '';
  params: Partial<RuleParams>;
}

/** How specific an override is: school beats room type beats kind. */
const specificity = (o: RuleOverride) => (o.schoolId ? 4 : 0) + (o.roomType ? 2 : 0) + (o.kind ? 1 : 0);

/** The parameters of `rule` for one device: defaults, then matching overrides from least to most specific. */
export function effectiveParams(rule: RuleId, at: { kind: DeviceKind; schoolId: number; roomType: RoomType | string }, overrides: readonly RuleOverride[]): RuleParams {
  const matching = overrides
    .filter((o) => o.rule === rule && (!o.kind || o.kind === at.kind) && (!o.schoolId || o.schoolId === at.schoolId) && (!o.roomType || o.roomType === at.roomType))
    .sort((a, b) => specificity(a) - specificity(b));
  return Object.assign({}, RULES[rule].defaults, ...matching.map((o) => o.params)) as RuleParams;
}
