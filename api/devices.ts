/** The device list and a device's live page, and the device kinds with their fields. */
import { Type, type Static } from '@sinclair/typebox';
import { DEVICE_ID_PATTERN, DEVICE_KINDS } from '../protocol/index.js';
import { EdgeView } from './edges.js';
import { Id, lit, Nullable, Obj, oneOf } from './kit.js';
import { FieldValue, LiveView, StateFilter } from './live.js';

/** A device id as devices connect with it (protocol/topics.ts). */
export const DeviceIdParams = Obj({ id: Type.String({ pattern: DEVICE_ID_PATTERN.source }) });
export type DeviceIdParams = Static<typeof DeviceIdParams>;

/** One of the device kinds of protocol/kinds (typed as a string: the web app has kinds from GET /api/kinds). */
export const DeviceKindName = oneOf(DEVICE_KINDS);

/**
 * The edge node a device's data comes through (docs/edge.md): its site's active edge, the first by name as a queued
 * command names it (CommandView `edgeName`), else the site's last revoked one; its link as the edges screen shows it.
 */
export const DeviceEdge = Type.Pick(EdgeView, ['id', 'name', 'link', 'revokedAt'], { additionalProperties: false });
export type DeviceEdge = Static<typeof DeviceEdge>;

const deviceRowFields = {
  kind: Type.String(),
  name: Type.String(),
  code: Nullable(Type.String()),
  model: Nullable(Type.String()),
  serial: Nullable(Type.String()),
  roomId: Type.Integer(),
  roomName: Type.String(),
  schoolId: Type.Integer(),
  schoolName: Type.String(),
  edge: Nullable(DeviceEdge, { description: 'Null when the device\'s site has no edge node: its live state and last seen come straight from the province\'s broker.' }),
};
export const DeviceRow = Type.Composite([LiveView, Obj(deviceRowFields)], { additionalProperties: false });
export type DeviceRow = Static<typeof DeviceRow>;

/** GET /api/devices: filters, all optional; `limit` defaults to 50 (at most 500). */
export const DeviceListQuery = Obj({
  q: Type.Optional(Type.String({ maxLength: 100 })),
  kind: Type.Optional(DeviceKindName),
  districtId: Type.Optional(Id),
  schoolId: Type.Optional(Id),
  roomId: Type.Optional(Id),
  state: Type.Optional(StateFilter),
  includeRetired: Type.Optional(Type.Boolean({ description: 'Also list revoked and retired devices (their records stay in the register).' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});
export type DeviceListQuery = Static<typeof DeviceListQuery>;

export const DeviceListResponse = Obj({
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
  devices: Type.Array(DeviceRow),
});
export type DeviceListResponse = Static<typeof DeviceListResponse>;

export const Reading = Obj({ ts: Type.Number(), values: Type.Record(Type.String(), FieldValue) });
export type Reading = Static<typeof Reading>;

export const DeviceDetail = Obj({
  device: Type.Composite([DeviceRow, Obj({
    manufacturer: Nullable(Type.String()),
    createdAt: Type.Number(),
    siteName: Type.String(),
    districtId: Nullable(Type.Integer()),
    districtName: Nullable(Type.String()),
  })], { additionalProperties: false }),
  rejected: Type.Integer(),
  lastRejection: Nullable(Obj({ ts: Type.Number(), reason: Type.String() }), { description: 'The reason is shown to roles that repair devices (admin, technician); empty for the others.' }),
  readings: Type.Array(Reading, { description: 'The last hour of readings from InfluxDB, oldest first.' }),
  readingsError: Type.Optional(Type.String({ description: 'Set when InfluxDB could not be asked; the page still shows the live state.' })),
});
export type DeviceDetail = Static<typeof DeviceDetail>;

export const KindField = Obj({
  name: Type.String(),
  type: lit(['number', 'integer', 'boolean', 'string']),
  unit: Nullable(Type.String()),
  description: Type.String(),
});
export type KindField = Static<typeof KindField>;

export const KindInfo = Obj({
  kind: Type.String(),
  label: Obj({ vi: Type.String(), en: Type.String() }),
  chartField: Type.String(),
  fields: Type.Array(KindField),
  health: Obj({
    batteryField: Type.Optional(Type.String()),
    chargingField: Type.Optional(Type.String({ description: 'While this field is true, a low battery is no problem (the device is charging).' })),
    lowBattery: Type.Optional(Type.Number()),
    temperatureField: Type.Optional(Type.String()), maxTemperature: Type.Optional(Type.Number()),
  }),
});
export type KindInfo = Static<typeof KindInfo>;
export const KindList = Type.Array(KindInfo);
