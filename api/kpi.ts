/** The digital-records KPI (80 % by 2025, 100 % by 2030) per school, district and province. */

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
