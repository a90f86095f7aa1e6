/** Device health for technicians: the problems-first fleet view, rollups, the room view and the device page's history. */
import type { FieldValue } from './live.js';
import type { HealthLevel, HealthReason, Presence, Severity } from '../domain/index.js';

/** One device as the health screens show it (shared state: the same from every dashboard process). */
export interface DeviceHealthView {
  id: string;
  kind: string;
  name: string;
  code: string | null;
  roomId: number;
  roomName: string;
  siteId: number;
  siteName: string;
  schoolId: number;
  schoolName: string;
  districtId: number | null;
  presence: Presence;
  /** Server time the presence last changed. */
  presenceSince: number | null;
  lastSeen: number | null;
  level: HealthLevel;
  /** Worst first; the web app and the e-mails put them in words (domain/health-texts.ts). */
  reasons: HealthReason[];
  latest: Record<string, FieldValue>;
  /** Open alerts of the device (pending, firing, acknowledged). */
  openAlerts: number;
  /** The register's state: in repair or retired devices raise nothing. */
  recordState: string;
}

/** GET /api/health/devices: worst first (critical, warning, offline, ok), then longest-standing. */
export interface HealthListQuery {
  districtId?: number;
  schoolId?: number;
  siteId?: number;
  roomId?: number;
  kind?: string;
  /** Only devices at this level or worse. */
  level?: HealthLevel;
  presence?: Presence;
  q?: string;
  limit?: number;
  offset?: number;
}

export interface HealthListResponse { total: number; limit: number; offset: number; devices: DeviceHealthView[] }

/** Counts of one place (a district, school, site or room). */
export interface HealthRollup {
  id: number;
  name: string;
  devices: number;
  critical: number;
  warning: number;
  ok: number;
  offline: number;
  never: number;
  /** The place's own level: its worst device's. */
  level: HealthLevel;
}

/** GET /api/health/summary?level=district|school|site|room&parentId=…: rollups of the places under one parent, worst first. */
export interface HealthSummaryQuery { level: 'district' | 'school' | 'site' | 'room'; parentId?: number }
export interface HealthSummaryResponse { totals: Omit<HealthRollup, 'id' | 'name'>; places: HealthRollup[] }

/** GET /api/rooms/:id/devices: every device of one room at a glance. */
export interface RoomHealthResponse {
  room: { id: number; name: string; type: string; siteName: string; schoolId: number; schoolName: string };
  rollup: Omit<HealthRollup, 'id' | 'name'>;
  devices: DeviceHealthView[];
}

/** GET /api/devices/:id/history?window=…&field=…: at most a few hundred points, averaged per bucket for long windows. */
export type HistoryWindow = '1h' | '24h' | '7d' | '30d';
export const HISTORY_WINDOWS: readonly HistoryWindow[] = ['1h', '24h', '7d', '30d'];
export interface HistoryQuery { window?: HistoryWindow; field?: string }
export interface HistoryPoint { ts: number; mean: number | null; min: number | null; max: number | null }
export interface HistoryResponse {
  field: string;
  window: HistoryWindow;
  /** Bucket width in ms (0: raw readings, for the 1 h window). */
  bucketMs: number;
  points: HistoryPoint[];
  /**
   * How long raw readings are kept (config influx.rawRetention, e.g. '90d'): every window is computed from the raw
   * policy, so a window longer than this is empty before it.
   */
  rawRetention?: string;
  /** Set when InfluxDB could not be asked. */
  error?: string;
}

/** GET /api/devices/:id/events: the device's latest events (errors, sessions …), newest first. */
export interface DeviceEvent { ts: number; type: string; code: string | null; message: string | null }
export interface DeviceEventsResponse { events: DeviceEvent[]; error?: string }

/** A severity filter value. */
export type SeverityFilter = Severity;
