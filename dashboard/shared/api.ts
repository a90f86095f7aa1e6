/**
 * The dashboard's API as both ends see it: the server's routes and Socket.IO events return these shapes and the
 * web app imports the same types, so a change on one side fails the type check on the other.
 */

/** What the dashboard says of a device's connection. `unknown`: never heard of since this gateway started. */
export type DeviceState = 'online' | 'offline' | 'sleep' | 'unknown';
export const DEVICE_STATES: readonly DeviceState[] = ['online', 'sleep', 'offline', 'unknown'];

/** Problems derived from the protocol's health rules (dashboard/server/problems.ts is the one place that decides). */
export type ProblemCode = 'offline' | 'low_battery' | 'overheating' | 'rejected';
export const PROBLEM_CODES: readonly ProblemCode[] = ['offline', 'low_battery', 'overheating', 'rejected'];

/** Filter values of GET /api/devices?state=… : a state, `problem` (any problem but offline) or `any`. */
export type StateFilter = DeviceState | 'problem';

export type Role = 'admin' | 'planner' | 'technician' | 'viewer';

export type FieldValue = number | boolean | string;

export interface Me {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  scope: { districtIds?: number[]; schoolIds?: number[] };
}

/** The live part of a device, as pushed in `devices` batches and merged into REST answers. */
export interface LiveView {
  id: string;
  state: DeviceState;
  lastSeen: number | null;
  lastReadingTs: number | null;
  latest: Record<string, FieldValue>;
  problems: ProblemCode[];
}

export interface Counts {
  total: number;
  /** Online or asleep: connected to a broker. */
  online: number;
  /** Offline or never connected. */
  offline: number;
  /** Devices with at least one problem other than being offline (which has its own count). */
  problems: number;
}

export interface OverviewResponse {
  totals: Counts;
  byKind: { kind: string; counts: Counts }[];
  bySchool: { schoolId: number; name: string; districtId: number | null; counts: Counts }[];
  byProblem: Record<ProblemCode, number>;
  generatedAt: number;
  /** False when this process has no gateway: the live state is then empty. */
  live: boolean;
}

export interface DeviceRow extends LiveView {
  kind: string;
  name: string;
  code: string | null;
  model: string | null;
  serial: string | null;
  roomId: number;
  roomName: string;
  schoolId: number;
  schoolName: string;
}

export interface DeviceListResponse {
  total: number;
  limit: number;
  offset: number;
  devices: DeviceRow[];
}

export interface Reading {
  ts: number;
  values: Record<string, FieldValue>;
}

export interface DeviceDetail {
  device: DeviceRow & {
    manufacturer: string | null;
    createdAt: number;
    siteName: string;
    districtId: number | null;
    districtName: string | null;
  };
  rejected: number;
  /** Shown to roles that repair devices (admin, technician); null for the others. */
  lastRejection: { ts: number; reason: string } | null;
  /** The last hour of readings from InfluxDB, oldest first. */
  readings: Reading[];
  /** Set when InfluxDB could not be asked; the page still shows the live state. */
  readingsError?: string;
}

export interface KindField {
  name: string;
  type: 'number' | 'integer' | 'boolean' | 'string';
  unit: string | null;
  description: string;
}

export interface KindInfo {
  kind: string;
  label: { vi: string; en: string };
  chartField: string;
  fields: KindField[];
  health: { batteryField?: string; lowBattery?: number; temperatureField?: string; maxTemperature?: number };
}

export interface HierarchyResponse {
  districts: { id: number; code: string; name: string }[];
  schools: { id: number; code: string; name: string; level: string; districtId: number | null }[];
  rooms: { id: number; code: string; name: string; type: string; schoolId: number }[];
}

/**
 * The digital-records KPI of one school, district or the province. Shares are 0..1, or null when nothing is counted.
 * `devices` excludes retired devices; a complete record has code, kind, room, model or serial, in-service date and cost.
 */
export interface KpiFigures {
  devices: number;
  withRecord: number;
  recordShare: number | null;
  /** Devices that have MQTT credentials (not revoked): the base of `liveShare`. */
  connected: number;
  live24h: number;
  liveShare: number | null;
  pastLife: number;
  pastLifeShare: number | null;
  inRepair: number;
  repairShare: number | null;
}

export interface KpiResponse {
  province: KpiFigures;
  /** True when the user sees only part of the province: `province` then covers that part only. */
  scoped: boolean;
  /** `districtId` null: the schools directly under the Sở ("Trực thuộc Sở"). */
  districts: { districtId: number | null; name: string | null; figures: KpiFigures }[];
  schools: { schoolId: number; name: string; districtId: number | null; figures: KpiFigures }[];
  targets: { year: number; share: number }[];
  /** The day (Asia/Ho_Chi_Minh, yyyy-mm-dd) the service-life check used. */
  today: string;
  generatedAt: number;
}

export interface ApiErrorBody {
  code: string;
  message: string;
}

/** Socket.IO events the server sends. */
export interface ServerToClientEvents {
  /** One coalesced batch per school room and tick: every device of that school that changed. */
  devices: (batch: LiveView[]) => void;
  /** The watched device changed (room `device:<id>`). */
  device: (view: LiveView) => void;
}

/** Socket.IO events a browser sends. */
export interface ClientToServerEvents {
  /** Join `device:<id>`; refused out of scope. */
  watch: (deviceId: string, ack: (res: { ok: true } | ApiErrorBody) => void) => void;
  unwatch: (deviceId: string) => void;
}
