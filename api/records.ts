/** A device's asset record, its maintenance log, and its MQTT credentials (issue, rotate, revoke, by room or school). */
import { Type, type Static } from '@sinclair/typebox';
import { DEVICE_STATES } from '../domain/index.js';
import { DEVICE_ID_PATTERN } from '../protocol/index.js';
import { DeviceKindName } from './devices.js';
import { Id, IsoDate, lit, Nullable, Obj } from './kit.js';
import { AuditEntry } from './users.js';

export { DEVICE_STATES as RECORD_STATES } from '../domain/index.js';

/** A device's state in the register (domain/hierarchy.ts): in use, in repair, retired. */
export const RecordState = lit(DEVICE_STATES);
export type RecordState = Static<typeof RecordState>;

export const MaintenanceEntry = Obj({ at: Type.Number(), byUser: Type.String(), text: Type.String() });
export type MaintenanceEntry = Static<typeof MaintenanceEntry>;

/** The asset record of a device (GET /api/devices/:id/record), editable with PATCH /api/devices/:id. */
export const DeviceRecord = Obj({
  id: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  code: Nullable(Type.String()),
  model: Nullable(Type.String()),
  manufacturer: Nullable(Type.String()),
  serial: Nullable(Type.String()),
  roomId: Type.Integer(),
  inServiceDate: Nullable(Type.String()),
  costVnd: Nullable(Type.Number()),
  fundingSource: Nullable(Type.String()),
  warrantyEnd: Nullable(Type.String()),
  serviceLifeYears: Nullable(Type.Number()),
  state: RecordState,
  notes: Nullable(Type.String()),
  createdAt: Type.Number(),
  hasCredentials: Type.Boolean({ description: 'Whether MQTT credentials are issued and not revoked.' }),
  revokedAt: Nullable(Type.Number()),
  place: Obj({
    roomName: Type.String(), siteName: Type.String(), schoolId: Type.Integer(), schoolName: Type.String(),
    districtId: Nullable(Type.Integer()), districtName: Nullable(Type.String()),
  }),
  maintenance: Type.Array(MaintenanceEntry),
  history: Type.Array(AuditEntry, { description: 'Audit entries about this device, newest first.' }),
});
export type DeviceRecord = Static<typeof DeviceRecord>;

const Str = (max: number) => Nullable(Type.String({ maxLength: max }));
/** The record's optional fields, as a create or an edit gives them; null clears a field. */
const recordFields = {
  code: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
  model: Type.Optional(Str(200)),
  manufacturer: Type.Optional(Str(200)),
  serial: Type.Optional(Str(200)),
  inServiceDate: Type.Optional(Nullable(IsoDate)),
  costVnd: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1e13 }))),
  fundingSource: Type.Optional(Str(200)),
  warrantyEnd: Type.Optional(Nullable(IsoDate)),
  serviceLifeYears: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 100 }))),
  notes: Type.Optional(Str(4000)),
};

/** PATCH /api/devices/:id: any subset; `roomId` moves the device (both rooms must be in scope). null clears a field. */
export const DeviceRecordPatch = Obj({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  roomId: Type.Optional(Id),
  state: Type.Optional(RecordState),
  ...recordFields,
});
export type DeviceRecordPatch = Static<typeof DeviceRecordPatch>;

/** POST /api/devices: a new record, with MQTT credentials when `issueCredentials`. */
export const NewDeviceInput = Obj({
  kind: DeviceKindName,
  roomId: Id,
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  issueCredentials: Type.Optional(Type.Boolean()),
  ...recordFields,
});
export type NewDeviceInput = Static<typeof NewDeviceInput>;

/** Credentials as issued: the secret is shown this once and stored only hashed. */
export const IssuedCredentials = Obj({ deviceId: Type.String(), name: Type.String(), code: Nullable(Type.String()), secret: Type.String() });
export type IssuedCredentials = Static<typeof IssuedCredentials>;
export const CredentialsResponse = Obj({
  mqttUrl: Type.String({ description: 'The broker address devices connect to (also in the labels\' QR codes).' }),
  credentials: Type.Array(IssuedCredentials),
});
export type CredentialsResponse = Static<typeof CredentialsResponse>;

/** POST /api/devices answers the new record, and the credentials when they were asked for. */
export const NewDeviceResponse = Obj({ record: DeviceRecord, mqttUrl: Type.Optional(Type.String()), credentials: Type.Optional(Type.Array(IssuedCredentials)) });
export type NewDeviceResponse = Static<typeof NewDeviceResponse>;

/** POST /api/provision: credentials for every device of a room or a school (by default only those that have none). */
export const BulkProvisionInput = Obj({
  roomId: Type.Optional(Id),
  schoolId: Type.Optional(Id),
  rotateExisting: Type.Optional(Type.Boolean({ description: 'Also issue new secrets to devices that already have credentials (their old secrets stop working).' })),
});
export type BulkProvisionInput = Static<typeof BulkProvisionInput>;

export const MaintenanceInput = Obj({ text: Type.String({ minLength: 1, maxLength: 4000 }) });
export type MaintenanceInput = Static<typeof MaintenanceInput>;
export const MaintenanceResponse = Obj({ maintenance: Type.Array(MaintenanceEntry) });
export type MaintenanceResponse = Static<typeof MaintenanceResponse>;
export const RevokedResponse = Obj({ id: Type.String(), revoked: Type.Literal(true) });
export type RevokedResponse = Static<typeof RevokedResponse>;

/** GET /api/labels.pdf: QR labels of one device, a room's or a school's devices. */
export const LabelsQuery = Obj({ roomId: Type.Optional(Id), schoolId: Type.Optional(Id), deviceId: Type.Optional(Type.String({ pattern: DEVICE_ID_PATTERN.source })) });
export type LabelsQuery = Static<typeof LabelsQuery>;
