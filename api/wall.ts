/**
 * The operations-centre wall (issue 22; docs/integration.md, "The operations-centre wall"): the province at a glance for
 * the Sở's large screen, read every few seconds with a wall token (or an admin's or planner's session, to preview it).
 */
import { Type, type Static } from '@sinclair/typebox';
import { IsoDate, Nullable, Obj } from './kit.js';

const Count = Type.Integer({ minimum: 0 });
/** A share 0..1, or null when there is nothing to divide by. */
const Share = Nullable(Type.Number({ minimum: 0, maximum: 1 }));

/**
 * Devices by presence, as the fleet-health screen counts them (the shared `device_health` state; retired devices left
 * out): `online` and `sleep` are connected, `never` were registered and never heard from.
 */
export const WallDevices = Obj({ total: Count, online: Count, sleep: Count, offline: Count, never: Count });
export type WallDevices = Static<typeof WallDevices>;

/** Open alerts (pending, firing or acknowledged: the inbox's "open"), by severity. */
export const WallAlerts = Obj({ critical: Count, warning: Count });
export type WallAlerts = Static<typeof WallAlerts>;

/**
 * This week's room use (Monday to today, Asia/Ho_Chi_Minh) as the usage pages compute it, or null when the analysis
 * has not covered any timetabled hour of the week yet ("chưa có dữ liệu"): a zero would be a lie.
 */
export const WallUsage = Nullable(Obj({
  rooms: Count,
  /** Time in use over the timetabled hours the devices' data covered (the usage page's "time utilisation"). */
  timeUtilisation: Share,
  periodUtilisation: Share,
  /** Timetabled hours covered by the devices' data, 0..1. */
  coverage: Share,
  usedHours: Type.Number({ minimum: 0 }),
  underused: Count,
  saturated: Count,
}));
export type WallUsage = Static<typeof WallUsage>;

/** The digital-records KPI (the KPI page's figure): devices with a complete record over devices not retired. */
export const WallKpi = Obj({ devices: Count, withRecord: Count, recordShare: Share });
export type WallKpi = Static<typeof WallKpi>;

export const WallFigures = Obj({ devices: WallDevices, alerts: WallAlerts, usage: WallUsage, kpi: WallKpi });
export type WallFigures = Static<typeof WallFigures>;

/** A district in scope; `districtId` null: the schools directly under the Sở ("Trực thuộc Sở"). */
export const WallDistrict = Obj({
  districtId: Nullable(Type.Integer()),
  name: Nullable(Type.String()),
  figures: WallFigures,
});
export type WallDistrict = Static<typeof WallDistrict>;

/** GET /api/wall: the whole scope (`province`), and each district in it, in name order. */
export const WallResponse = Obj({
  /** True when the caller sees part of the province only: `province` then covers that part. */
  scoped: Type.Boolean(),
  province: WallFigures,
  districts: Type.Array(WallDistrict),
  /** The week of `usage`: local days [from, to), Monday to today inclusive. */
  week: Obj({ from: IsoDate, to: IsoDate }),
  /** The next digital-records target (80 % by 2025, 100 % by 2030) from today on. */
  kpiTarget: Nullable(Obj({ year: Type.Integer(), share: Type.Number() })),
  /** When the slow figures (room use, KPI) were computed; they are kept a minute (dashboard/server/wall.ts). */
  slowAt: Type.Number(),
  generatedAt: Type.Number(),
});
export type WallResponse = Static<typeof WallResponse>;

/** GET /api/wall takes no query. */
export const WallQuery = Obj({});
export type WallQuery = Static<typeof WallQuery>;
