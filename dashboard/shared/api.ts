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

import type { DeviceState as RecordState, Role, RoomType, SchoolLevel } from '../../domain/index.js';
export type { Role } from '../../domain/index.js';

export type FieldValue = number | boolean | string;

export interface Me {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  scope: { districtIds?: number[]; schoolIds?: number[] };
  permissions: Permissions;
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

// ── records, hierarchy, provisioning, users, audit, import (issue 4) ─────────────────────────────────────────────

/** What a user may do, as the server decides it (dashboard/server/scope.ts `can`); the web app hides what is false. */
export interface Permissions {
  /** Edit device records, add maintenance entries, create and edit sites and rooms, import (within scope). */
  editRecords: boolean;
  /** Issue, rotate and revoke device credentials; print labels (within scope). */
  provision: boolean;
  /** Create, edit, move and retire districts and schools. */
  editSchools: boolean;
  /** Manage users and roles. */
  manageUsers: boolean;
  /** Read the audit log. */
  readAudit: boolean;
}

export { SCHOOL_LEVELS, ROOM_TYPES, DEVICE_STATES as RECORD_STATES } from '../../domain/index.js';
export type { SchoolLevel, RoomType, DeviceState as RecordState } from '../../domain/index.js';

/** GET /api/hierarchy/tree: every level within the user's scope, flat (the web app nests them); retired ones on request. */
export interface TreeResponse {
  districts: { id: number; code: string; name: string; retired: boolean }[];
  schools: { id: number; code: string; name: string; level: SchoolLevel; districtId: number | null; pupils: number; retired: boolean }[];
  sites: { id: number; schoolId: number; name: string; retired: boolean }[];
  rooms: { id: number; siteId: number; schoolId: number; code: string; name: string; type: RoomType; capacity: number; retired: boolean; devices: number }[];
  permissions: Permissions;
}

/** Bodies of POST (create) and PATCH (edit, move) on /api/districts, /api/schools, /api/sites, /api/rooms. */
export interface DistrictInput { code: string; name: string }
export interface SchoolInput { code: string; name: string; level: SchoolLevel; districtId: number | null; pupils?: number }
export interface SiteInput { schoolId: number; name: string }
export interface RoomInput { siteId: number; code: string; name: string; type: RoomType; capacity?: number }

/** The asset record of a device (GET /api/devices/:id/record), editable with PATCH /api/devices/:id. */
export interface DeviceRecord {
  id: string;
  kind: string;
  name: string;
  code: string | null;
  model: string | null;
  manufacturer: string | null;
  serial: string | null;
  roomId: number;
  inServiceDate: string | null;
  costVnd: number | null;
  fundingSource: string | null;
  warrantyEnd: string | null;
  serviceLifeYears: number | null;
  state: RecordState;
  notes: string | null;
  createdAt: number;
  /** Whether MQTT credentials are issued and not revoked. */
  hasCredentials: boolean;
  revokedAt: number | null;
  place: { roomName: string; siteName: string; schoolId: number; schoolName: string; districtId: number | null; districtName: string | null };
  maintenance: { at: number; byUser: string; text: string }[];
  /** Audit entries about this device, newest first. */
  history: AuditEntry[];
}

/** PATCH /api/devices/:id: any subset; `roomId` moves the device (both rooms must be in scope). null clears a field. */
export interface DeviceRecordPatch {
  name?: string;
  code?: string | null;
  model?: string | null;
  manufacturer?: string | null;
  serial?: string | null;
  roomId?: number;
  inServiceDate?: string | null;
  costVnd?: number | null;
  fundingSource?: string | null;
  warrantyEnd?: string | null;
  serviceLifeYears?: number | null;
  state?: RecordState;
  notes?: string | null;
}

/** POST /api/devices: a new record, with MQTT credentials when `issueCredentials`. */
export interface NewDeviceInput extends Omit<DeviceRecordPatch, 'roomId' | 'state'> {
  kind: string;
  roomId: number;
  issueCredentials?: boolean;
}

/** Credentials as issued: the secret is shown this once and stored only hashed. */
export interface IssuedCredentials {
  deviceId: string;
  name: string;
  code: string | null;
  secret: string;
}
export interface CredentialsResponse {
  /** The broker address devices connect to (also in the labels' QR codes). */
  mqttUrl: string;
  credentials: IssuedCredentials[];
}

/** POST /api/provision: credentials for every device of a room or a school (by default only those that have none). */
export interface BulkProvisionInput {
  roomId?: number;
  schoolId?: number;
  /** Also issue new secrets to devices that already have credentials (their old secrets stop working). */
  rotateExisting?: boolean;
}

export interface UserRow {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  scope: { districtIds?: number[]; schoolIds?: number[] };
  disabled: boolean;
  createdAt: number;
}
export interface NewUserInput {
  username: string;
  displayName?: string;
  password: string;
  role: Role;
  scope?: { districtIds?: number[]; schoolIds?: number[] };
}
export interface UserPatch {
  displayName?: string;
  password?: string;
  role?: Role;
  scope?: { districtIds?: number[]; schoolIds?: number[] };
  disabled?: boolean;
}

export interface AuditEntry {
  at: number;
  byUser: string;
  action: string;
  entity: string;
  entityId: string;
  detail: unknown;
}
export interface AuditResponse { total: number; entries: AuditEntry[] }

/**
 * An import in the web app: POST /api/imports?name=FILE (the file as the body) starts a job that reads and plans;
 * GET /api/imports/:id polls it; POST /api/imports/:id/apply applies it (re-planned against the registry as it is
 * then). `progress` moves through the phases so a large file shows a progress bar.
 */
export interface ImportJob {
  id: string;
  file: string;
  status: 'planning' | 'planned' | 'applying' | 'applied' | 'failed';
  progress: { phase: 'read' | 'plan' | 'apply'; done: number; total: number };
  plan?: ImportPlanView;
  /** Devices created (code → id), once applied. */
  created?: Record<string, string>;
  error?: ApiErrorBody;
}
export interface ImportPlanView {
  counts: { create: number; update: number; unchanged: number; refused: number };
  rows: { line: number; action: 'create' | 'update' | 'unchanged'; code: string; kind: string; name: string; school: string; site: string; room: string; changes: string[] }[];
  refused: { line: number; code?: string; reason: string }[];
  newSites: { schoolCode: string; name: string }[];
  newRooms: { schoolCode: string; site: string; code: string; type: string }[];
  ignoredColumns: string[];
  notes: string[];
}
export interface ApplyImportInput {
  /** Apply the valid rows although some were refused (must be asked for explicitly). */
  applyValid?: boolean;
}

// ── room usage and investment planning (issue 5) ───────────────────────────────────────────────────────────────

/** Use of rooms against the timetable; ratios 0..1 or null when nothing was timetabled. */
export interface UsageFigures {
  timetabledHours: number;
  /** Hours in use inside timetabled periods. */
  usedHours: number;
  /** Hours in use outside timetabled periods (breaks, evenings, days off). */
  outsideHours: number;
  periods: number;
  periodsUsed: number;
  timeUtilisation: number | null;
  periodUtilisation: number | null;
}

export type RoomUsageStatus = 'underused' | 'saturated' | 'normal' | 'no_timetable';

export interface UsageRoomRow {
  roomId: number;
  roomName: string;
  roomType: RoomType;
  schoolId: number;
  schoolName: string;
  districtId: number | null;
  districtName: string | null;
  figures: UsageFigures;
  status: RoomUsageStatus;
  annualCostVnd: number;
  costPerUsedHourVnd: number | null;
  kits: { kind: string; devices: number; annualCostVnd: number; usedHours: number; costPerUsedHourVnd: number | null }[];
}

export interface UsageGroupRow {
  /** District id ('so' for schools under the Sở), school id, room type, or 'province'. */
  key: string;
  name: string;
  rooms: number;
  figures: UsageFigures;
  underused: number;
  saturated: number;
  annualCostVnd: number;
  costPerUsedHourVnd: number | null;
}

/** GET /api/usage: one window of local days [from, to) within the user's scope, narrowed by the drill-down filters. */
export interface UsageReport {
  from: string;
  to: string;
  days: number;
  /** True when the user sees part of the province only. */
  scoped: boolean;
  total: UsageGroupRow;
  districts: UsageGroupRow[];
  schools: UsageGroupRow[];
  roomTypes: UsageGroupRow[];
  rooms: UsageRoomRow[];
  heatmap: { weekday: number; slot: string; used: number; available: number }[];
  /** Weeks starting Monday 00:00 in Vietnam (UTC ms). */
  weeks: { week: number; figures: UsageFigures }[];
  /** The same stretch of the previous term (same weeks from its start), when there is one. */
  lastTerm: { from: string; to: string; figures: UsageFigures } | null;
  /** Rooms flagged over the 8 weeks before `to` (or the window when longer). */
  flagged: { window: { from: string; to: string }; underused: number[]; saturated: number[] };
  generatedAt: number;
}

export type RankReason =
  | { code: 'saturated_rooms'; utilisation: number; rooms: number }
  | { code: 'busy_rooms'; utilisation: number; rooms: number }
  | { code: 'pupils_per_smart_room'; pupils: number; smartRooms: number; perRoom: number }
  | { code: 'no_smart_room'; pupils: number }
  | { code: 'last_investment'; year: number; yearsAgo: number }
  | { code: 'never_invested' };

/** GET /api/planning: the budget planner. */
export interface PlanningResponse {
  rooms: number;
  unitCostVnd: number;
  budgetVnd: number;
  from: string;
  to: string;
  ranking: {
    rank: number; schoolId: number; schoolName: string; districtName: string | null; pupils: number; score: number;
    utilisation: number | null; smartRooms: number; pupilsPerSmartRoom: number; yearsSinceInvestment: number | null;
    reasons: RankReason[]; funded: boolean;
  }[];
  /** Equipment to replace or look at: past its service life, in repair, or repaired twice or more in 12 months. */
  equipment: {
    deviceId: string; name: string; kind: string; schoolName: string; roomName: string; inServiceDate: string | null;
    serviceLifeYears: number | null; costVnd: number | null; state: string; repairs12m: number;
    reasons: ('past_life' | 'in_repair' | 'failing_often')[];
  }[];
}

/** POST /api/usage/exports: the report as a file, made in the background (GET …/:id follows it, …/:id/file downloads it). */
export interface ExportJob {
  id: string;
  format: 'pdf' | 'xlsx' | 'csv';
  status: 'running' | 'done' | 'failed';
  progress: { phase: 'query' | 'render'; done: number; total: number };
  fileName?: string;
  error?: ApiErrorBody;
}

// ── the places import (issue 9): a Sở's list of districts, schools and sites ───────────────────────────────────

/**
 * POST /api/imports/places?name=FILE (the file as the body) starts a job; GET /api/imports/places/:id polls it;
 * POST /api/imports/places/:id/apply applies it (ApplyImportInput). GET /api/places.csv|xlsx exports the list in
 * the same columns. All need the editSchools permission.
 */
export type PlacesAction = 'create' | 'update' | 'unchanged';
export interface PlacesPlanView {
  counts: { create: number; update: number; unchanged: number; refused: number; newSites: number };
  districts: { line: number; action: PlacesAction; code: string; name: string }[];
  /** `district`: its code; null = directly under the Sở; absent = the file does not say. */
  schools: { line: number; action: PlacesAction; code: string; name: string; level?: string; pupils?: number; district?: string | null; changes: string[] }[];
  newSites: { line: number; schoolCode: string; name: string }[];
  refused: { line: number; code?: string; reason: string }[];
  ignoredColumns: string[];
  notes: string[];
}
export interface PlacesImportJob {
  id: string;
  file: string;
  status: 'planning' | 'planned' | 'applying' | 'applied' | 'failed';
  progress: { phase: 'read' | 'plan' | 'apply'; done: number; total: number };
  plan?: PlacesPlanView;
  error?: { code: string; message: string };
}
