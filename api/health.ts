/** Device health for technicians: the problems-first fleet view, rollups, the room view and the device page's history. */
import { Type, type Static } from '@sinclair/typebox';
import { HEALTH_LEVELS, PRESENCES } from '../domain/index.js';
import { DEVICE_KINDS } from '../protocol/index.js';
import { RuleIdSchema, SeveritySchema } from './alerts.js';
import { HISTORY_WINDOWS } from './constants.js';
import { Id, ID_MAX, lit, Nullable, Obj, oneOf } from './kit.js';
import { FieldValue } from './live.js';

export { HISTORY_WINDOWS } from './constants.js';

const HealthLevel = lit(HEALTH_LEVELS);
const Presence = lit(PRESENCES);
/** The most health lists answer in one page. */
const MAX_HEALTH_PAGE = 500;

/** One reason a device is not ok (domain/health.ts HealthReason): which rule, how bad, and the measured value the words quote. */
export const HealthReasonView = Obj({
  rule: RuleIdSchema,
  severity: SeveritySchema,
  value: Type.Optional(Type.Number({ description: 'The value that breaks the rule (°C, %, ppm, minutes, a count, ms of skew), when there is one.' })),
  field: Type.Optional(Type.String({ description: 'Which field, for rules that watch several (a stuck sensor value, a controller battery).' })),
});

/** One device as the health screens show it (shared state: the same from every dashboard process). */
export const DeviceHealthView = Obj({
  id: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  code: Nullable(Type.String()),
  roomId: Type.Integer(),
  roomName: Type.String(),
  siteId: Type.Integer(),
  siteName: Type.String(),
  schoolId: Type.Integer(),
  schoolName: Type.String(),
  districtId: Nullable(Type.Integer()),
  presence: Presence,
  presenceSince: Nullable(Type.Number(), { description: 'Server time the presence last changed.' }),
  lastSeen: Nullable(Type.Number()),
  level: HealthLevel,
  reasons: Type.Array(HealthReasonView, { description: 'Worst first; the web app and the e-mails put them in words (domain/health-texts.ts).' }),
  latest: Type.Record(Type.String(), FieldValue),
  openAlerts: Type.Integer({ description: 'Open alerts of the device (pending, firing, acknowledged).' }),
  recordState: Type.String({ description: 'The register\'s state: in repair or retired devices raise nothing.' }),
});
export type DeviceHealthView = Static<typeof DeviceHealthView>;

/** GET /api/health/devices: worst first (critical, warning, offline, ok), then longest-standing. */
export const HealthListQuery = Obj({
  districtId: Type.Optional(Id),
  schoolId: Type.Optional(Id),
  siteId: Type.Optional(Id),
  roomId: Type.Optional(Id),
  kind: Type.Optional(oneOf(DEVICE_KINDS)),
  level: Type.Optional(lit(HEALTH_LEVELS, { description: 'Only devices at this level or worse.' })),
  presence: Type.Optional(Presence),
  q: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_HEALTH_PAGE, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});
export type HealthListQuery = Static<typeof HealthListQuery>;

export const HealthListResponse = Obj({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), devices: Type.Array(DeviceHealthView) });
export type HealthListResponse = Static<typeof HealthListResponse>;

const rollupCounts = {
  devices: Type.Integer(),
  critical: Type.Integer(),
  warning: Type.Integer(),
  ok: Type.Integer(),
  offline: Type.Integer(),
  never: Type.Integer(),
  level: lit(HEALTH_LEVELS, { description: 'The place\'s own level: its worst device\'s.' }),
};
/** Counts of one place (a district, school, site or room). */
export const HealthRollup = Obj({ id: Type.Integer(), name: Type.String(), ...rollupCounts });
export type HealthRollup = Static<typeof HealthRollup>;
const RollupCounts = Obj(rollupCounts);

/** GET /api/health/summary?level=district|school|site|room&parentId=…: rollups of the places under one parent, worst first. */
export const HealthSummaryQuery = Obj({ level: lit(['district', 'school', 'site', 'room']), parentId: Type.Optional(Type.Integer({ minimum: 0, maximum: ID_MAX })) });
export type HealthSummaryQuery = Static<typeof HealthSummaryQuery>;
export const HealthSummaryResponse = Obj({ totals: RollupCounts, places: Type.Array(HealthRollup) });
export type HealthSummaryResponse = Static<typeof HealthSummaryResponse>;

/** GET /api/rooms/:id/devices: every device of one room at a glance. */
export const RoomHealthResponse = Obj({
  room: Obj({ id: Type.Integer(), name: Type.String(), type: Type.String(), siteName: Type.String(), schoolId: Type.Integer(), schoolName: Type.String() }),
  rollup: RollupCounts,
  devices: Type.Array(DeviceHealthView),
});
export type RoomHealthResponse = Static<typeof RoomHealthResponse>;

/** GET /api/devices/:id/history?window=…&field=…: at most a few hundred points, averaged per bucket for long windows. */
export const HistoryWindow = lit(HISTORY_WINDOWS);
export type HistoryWindow = Static<typeof HistoryWindow>;
export const HistoryQuery = Obj({
  window: Type.Optional(lit(HISTORY_WINDOWS, { default: '24h' })),
  field: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});
export type HistoryQuery = Static<typeof HistoryQuery>;
export const HistoryPoint = Obj({ ts: Type.Number(), mean: Nullable(Type.Number()), min: Nullable(Type.Number()), max: Nullable(Type.Number()) });
export type HistoryPoint = Static<typeof HistoryPoint>;
export const HistoryResponse = Obj({
  field: Type.String(),
  window: HistoryWindow,
  bucketMs: Type.Number({ description: 'Bucket width in ms (0: raw readings, for the 1 h window).' }),
  points: Type.Array(HistoryPoint),
  rawRetention: Type.Optional(Type.String({
    description: 'How long raw readings are kept (config influx.rawRetention, e.g. \'90d\'): every window is computed from the raw policy, so a window longer than this is empty before it.',
  })),
  error: Type.Optional(Type.String({ description: 'Set when InfluxDB could not be asked.' })),
});
export type HistoryResponse = Static<typeof HistoryResponse>;

/** GET /api/devices/:id/events: the device's latest events (errors, sessions …), newest first. */
export const DeviceEvent = Obj({ ts: Type.Number(), type: Type.String(), code: Nullable(Type.String()), message: Nullable(Type.String()) });
export type DeviceEvent = Static<typeof DeviceEvent>;
export const DeviceEventsResponse = Obj({ events: Type.Array(DeviceEvent), error: Type.Optional(Type.String()) });
export type DeviceEventsResponse = Static<typeof DeviceEventsResponse>;

/** A severity filter value. */
export type SeverityFilter = Static<typeof SeveritySchema>;
