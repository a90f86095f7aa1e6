/** The device list and a device's live page, and the device kinds with their fields. */
import type { EdgeView } from './edges.js';
import type { FieldValue, LiveView, StateFilter } from './live.js';

/**
 * The edge node a device's data comes through (docs/edge.md): its site's active edge, the first by name as a queued
 * command names it (CommandView `edgeName`), else the site's last revoked one; its link as the edges screen shows it.
 */
export type DeviceEdge = Pick<EdgeView, 'id' | 'name' | 'link' | 'revokedAt'>;

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
  /** Null when the device's site has no edge node: its live state and last seen come straight from the province's broker. */
  edge: DeviceEdge | null;
}

/** GET /api/devices: filters, all optional; `limit` defaults to 50 (at most 500). */
export interface DeviceListQuery {
  q?: string;
  kind?: string;
  districtId?: number;
  schoolId?: number;
  roomId?: number;
  state?: StateFilter;
  /** Also list revoked and retired devices (their records stay in the register). */
  includeRetired?: boolean;
  limit?: number;
  offset?: number;
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
