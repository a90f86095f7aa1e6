/** A device's asset record, its maintenance log, and its MQTT credentials (issue, rotate, revoke, by room or school). */
import type { DeviceState as RecordState } from '../domain/index.js';
import type { AuditEntry } from './users.js';

export { DEVICE_STATES as RECORD_STATES } from '../domain/index.js';
export type { DeviceState as RecordState } from '../domain/index.js';

export interface MaintenanceEntry { at: number; byUser: string; text: string }

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
  maintenance: MaintenanceEntry[];
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

/** POST /api/devices answers the new record, and the credentials when they were asked for. */
export type NewDeviceResponse = { record: DeviceRecord } & Partial<CredentialsResponse>;

/** POST /api/provision: credentials for every device of a room or a school (by default only those that have none). */
export interface BulkProvisionInput {
  roomId?: number;
  schoolId?: number;
  /** Also issue new secrets to devices that already have credentials (their old secrets stop working). */
  rotateExisting?: boolean;
}

export interface MaintenanceInput { text: string }
export interface MaintenanceResponse { maintenance: MaintenanceEntry[] }
export interface RevokedResponse { id: string; revoked: true }

/** GET /api/labels.pdf: QR labels of one device, a room's or a school's devices. */
export interface LabelsQuery { roomId?: number; schoolId?: number; deviceId?: string }
