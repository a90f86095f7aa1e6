/**
 * The health vocabulary every side shares (gateway, alert engine, API, web app, notifications): a device's
 * presence, the signals gateways record about it, the rules that judge them and the words for their verdicts.
 */

/** Whether a device is connected. `never`: registered but never seen by any gateway. */
export const PRESENCES = ['online', 'sleep', 'offline', 'never'] as const;
export type Presence = (typeof PRESENCES)[number];

/** A device's (and a room's, site's, school's, district's) health, worst first. */
export const HEALTH_LEVELS = ['critical', 'warning', 'ok'] as const;
export type HealthLevel = (typeof HEALTH_LEVELS)[number];

/** An alert rule's severity. */
export const SEVERITIES = ['critical', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The default rules (alerts/rules.ts holds their definitions and defaults; docs/alerts.md explains them). */
export const RULE_IDS = [
  'offline_school_hours', 'low_battery', 'board_overheat', 'co2_high', 'room_hot', 'no_data',
  'sensor_stuck', 'error_events', 'rejected_readings', 'clock_skew', 'reconnect_storm', 'low_storage', 'weak_wifi',
  'flooding',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** A rule's parameters (alerts/rules.ts holds each rule's defaults; overrides change some of them). */
export interface RuleParams {
  enabled: boolean;
  severity: Severity;
  /** Fires beyond this value (°C, %, ppm, minutes, a count …; what it measures is the rule's `unit`). */
  threshold: number;
  /** Clears only back beyond this value (hysteresis); equal to `threshold` for none. */
  clearAt: number;
  /** The condition must hold this long before the alert fires (0: at once). */
  forMin: number;
  /** For counted rules: the window the count is taken over. */
  windowMin: number;
  /** The condition must stay clear this long before the alert resolves by itself. */
  holdOffMin: number;
  /** A firing alert nobody acknowledged is notified again after this long (0: never). */
  renotifyMin: number;
}

/** One reason a device is not ok: which rule, how bad, and the measured value the words quote. */
export interface HealthReason {
  rule: RuleId;
  severity: Severity;
  /** The value that breaks the rule (°C, %, ppm, minutes, a count, ms of skew), when there is one. */
  value?: number;
  /** Which field, for rules that watch several (a stuck sensor value, a controller battery). */
  field?: string;
}

/** What the gateways observed of one device, kept in the registry so that every process sees the same. */
export interface DeviceSignals {
  presence: Presence;
  /** Server time anything last came from the device (ms). */
  lastSeen: number | null;
  /** Server time of the latest accepted reading (ms). */
  lastReadingAt: number | null;
  /** Latest value of every field seen. */
  latest: Record<string, number | boolean | string>;
  /** Server time each field of `latest` last changed value (a stuck sensor has an old one). */
  changedAt: Record<string, number>;
  /** Device clock minus server clock (ms) at the latest reading that carried its own `ts`. */
  skewMs: number | null;
  /** Median gap between recent readings (ms): "silent for N of its intervals". */
  intervalMs: number | null;
  /** Server times within the last hour (bounded lists, newest last). */
  errors: number[];
  rejected: number[];
  reconnects: number[];
  lastRejection: { ts: number; reason: string } | null;
  /** The latest time the broker throttled the device for publishing over its rate, and the rate it arrived at. */
  flooding?: { ts: number; ratePerSec: number } | null;
  /** Server time the presence last changed. */
  presenceSince: number | null;
}

export const emptySignals = (): DeviceSignals => ({
  presence: 'never', lastSeen: null, lastReadingAt: null, latest: {}, changedAt: {}, skewMs: null, intervalMs: null,
  errors: [], rejected: [], reconnects: [], lastRejection: null, presenceSince: null, flooding: null,
});

/** Alert lifecycle (docs/alerts.md). */
export const ALERT_STATES = ['pending', 'firing', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
