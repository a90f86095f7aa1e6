/** The digital-records KPI (80 % by 2025, 100 % by 2030) per school, district and province. */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Obj } from './kit.js';

const Share = Nullable(Type.Number({ minimum: 0, maximum: 1 }));
const Count = Type.Integer({ minimum: 0 });

/**
 * The digital-records KPI of one school, district or the province. Shares are 0..1, or null when nothing is counted.
 * `devices` excludes retired devices; a complete record has code, kind, room, model or serial, in-service date and cost.
 */
export const KpiFigures = Obj({
  devices: Count,
  withRecord: Count,
  recordShare: Share,
  connected: Type.Integer({ minimum: 0, description: 'Devices that have MQTT credentials (not revoked): the base of `liveShare`.' }),
  live24h: Count,
  liveShare: Share,
  pastLife: Count,
  pastLifeShare: Share,
  inRepair: Count,
  repairShare: Share,
});
export type KpiFigures = Static<typeof KpiFigures>;

export const KpiResponse = Obj({
  province: KpiFigures,
  scoped: Type.Boolean({ description: 'True when the user sees only part of the province: `province` then covers that part only.' }),
  districts: Type.Array(Obj({ districtId: Nullable(Type.Integer()), name: Nullable(Type.String()), figures: KpiFigures }), { description: '`districtId` null: the schools directly under the Sở ("Trực thuộc Sở").' }),
  schools: Type.Array(Obj({ schoolId: Type.Integer(), name: Type.String(), districtId: Nullable(Type.Integer()), figures: KpiFigures })),
  targets: Type.Array(Obj({ year: Type.Integer(), share: Type.Number() })),
  today: Type.String({ description: 'The day (Asia/Ho_Chi_Minh, yyyy-mm-dd) the service-life check used.' }),
  generatedAt: Type.Number(),
});
export type KpiResponse = Static<typeof KpiResponse>;
