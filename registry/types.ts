import type { DeviceKind } from '../protocol/index.js';

import type { DeviceState, Role, RoomType, SchoolLevel, Scope } from '../domain/index.js';

export { SCHOOL_LEVELS, ROOM_TYPES, ROLES, DEVICE_STATES } from '../domain/index.js';
export type { SchoolLevel, RoomType, Role, DeviceState, Scope } from '../domain/index.js';

export interface District { id: number; code: string; name: string }
export interface School { id: number; code: string; name: string; level: SchoolLevel; districtId: number | null; pupils: number }
export interface Site { id: number; schoolId: number; name: string }
export interface Room { id: number; siteId: number; code: string; name: string; type: RoomType; capacity: number }

/** Names of where a room sits, for display. */
export interface RoomPlace {
  roomId: number;
  roomName: string;
  siteId: number;
  siteName: string;
  schoolId: number;
  schoolName: string;
  districtId: number | null;
  districtName: string | null;
}

export interface Device {
  id: string;
  kind: DeviceKind;
  roomId: number;
  name: string;
  code: string | null;
  model: string | null;
  manufacturer: string | null;
  serial: string | null;
  createdAt: number;
  revokedAt: number | null;
  /** Whether MQTT credentials were ever issued (a record can exist before the device connects). */
  hasSecret: boolean;
  /** Date put into service, ISO yyyy-mm-dd. */
  inServiceDate: string | null;
  /** Purchase cost (nguyên giá) in VND. */
  costVnd: number | null;
  fundingSource: string | null;
  /** End of warranty, ISO yyyy-mm-dd. */
  warrantyEnd: string | null;
  /** Expected service life in years. */
  serviceLifeYears: number | null;
  state: DeviceState;
  notes: string | null;
}


/** The asset facts of a device record, as created, imported or edited. */
export interface DeviceRecordInput {
  name?: string;
  code?: string;
  model?: string;
  manufacturer?: string;
  serial?: string;
  inServiceDate?: string;
  costVnd?: number;
  fundingSource?: string;
  warrantyEnd?: string;
  serviceLifeYears?: number;
  state?: DeviceState;
  notes?: string;
}

/** Where a device sits: what the gateway writes as tags and what scope checks use. */
export interface DevicePlacement {
  id: string;
  kind: DeviceKind;
  name: string;
  roomId: number;
  siteId: number;
  schoolId: number;
  districtId: number | null;
  revoked: boolean;
  /** A fingerprint of the current secret's hash (not the secret): tells a rotation from an edit of the record. */
  credential: string | null;
  /** The room's type (alert rule overrides per room type); a room retyped later shows after the device's next edit. */
  roomType: RoomType | string;
  /** The register's state: a device in repair or retired raises no alert. */
  recordState: DeviceState;
}


export interface User { id: number; username: string; role: Role; scope: Scope; displayName: string; disabled: boolean; createdAt: number }

export interface DeviceFilter {
  q?: string;
  kind?: DeviceKind;
  districtId?: number;
  schoolId?: number;
  roomId?: number;
  includeRevoked?: boolean;
  /** Restrict to what a user may see. */
  scope?: Scope;
  limit?: number;
  offset?: number;
}

/** A monthly planning report by e-mail: the province (districtId null) or one district. */
export interface ReportSubscription { id: number; email: string; districtId: number | null; createdBy: string; createdAt: number; lastSent: string | null }

export type PlaceLevel = 'district' | 'school' | 'site' | 'room';

/** A place with what scope checks need: the school it belongs to (none for a district) and that school's district. */
export interface PlaceRef { level: PlaceLevel; id: number; schoolId: number | null; districtId: number | null; retired: boolean }

/** A room of `places.tree`, with its count of connectable devices. */
export interface TreeRoom { id: number; siteId: number; schoolId: number; code: string; name: string; type: RoomType; capacity: number; retired: boolean; devices: number }

/**
 * The largest row id: PostgreSQL's `integer` columns (SQLite's are wider). Past it no row exists, and a query that
 * compares an id column with it fails rather than finding nothing (found by the API fuzzer, test/api-fuzz/): an id
 * that comes from outside as text is checked with `isRowId` before it reaches a query.
 */
export const ROW_ID_MAX = 2_147_483_647;
export const isRowId = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= ROW_ID_MAX;
