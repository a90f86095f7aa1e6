/**
 * The monthly feed, version 1 (issue 22, "data upward"; docs/integration.md, "Monthly feed (data upward)"): each
 * school's room use, data coverage and digital-records KPI of one month, for the sector's database or a national
 * view to pull with an API token. THIS SHAPE IS FROZEN: a change to a field, its type or its meaning is a new version
 * (`/api/feed/v2/…`, a new module), and v1 stays as long as docs/integration.md documents it. A test pins the field
 * list and the CSV header (test/dashboard/feed.test.ts).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Obj } from './kit.js';

const Count = Type.Integer({ minimum: 0 });
const Hours = Type.Number({ minimum: 0, description: 'hours, 2 decimals' });
const Pct = Type.Number({ minimum: 0, maximum: 100, description: 'per cent, 2 decimals' });

/** The month of a feed: yyyy-mm, a month of Asia/Ho_Chi_Minh. */
export const FEED_MONTH_PATTERN = '^\\d{4}-(0[1-9]|1[0-2])$';

/**
 * Why a school's usage figures are null (or, for `no_timetabled_time`, zero):
 * - `not_analysed`: the report store holds no analysed day of this month anywhere in the province (the usage
 *   analysis has not run over it, e.g. a month before EduFleet or a backfill not done);
 * - `no_equipped_rooms`: the school has no room with a device, so nothing measures its rooms' use;
 * - `no_timetabled_time`: analysed, but nothing was timetabled in its equipped rooms (a holiday month);
 * - `no_data`: periods were timetabled but its devices' data covered none of them, so use is unknown, not zero.
 */
export const FeedUsageNote = Type.Union([
  Type.Literal('not_analysed'), Type.Literal('no_equipped_rooms'), Type.Literal('no_timetabled_time'), Type.Literal('no_data'),
]);
export type FeedUsageNote = Static<typeof FeedUsageNote>;

/** One school of the month. Usage figures are the usage report's (GET /api/usage, usage/report.ts) for the school's equipped rooms. */
export const MonthlyFeedSchoolV1 = Obj({
  month: Type.String({ pattern: FEED_MONTH_PATTERN }),
  /** The current month, still running: its figures cover the days analysed so far. */
  partial: Type.Boolean(),
  provinceCode: Nullable(Type.String()),
  provinceName: Nullable(Type.String()),
  /** null for a school directly under the Sở. */
  districtCode: Nullable(Type.String()),
  districtName: Nullable(Type.String()),
  schoolCode: Type.String(),
  schoolName: Type.String(),
  /** Rooms with at least one device: the rooms whose use is measured. */
  equippedRooms: Count,
  /** Equipped rooms whose days are still expected from the site's edge node: those days are left out of the figures. */
  pendingRooms: Count,
  scheduledPeriods: Nullable(Count),
  scheduledHours: Nullable(Hours),
  /** Scheduled hours the devices' data covered (a device connected, or readings for them). */
  coveredHours: Nullable(Hours),
  /** Hours in use inside scheduled periods. */
  usedHours: Nullable(Hours),
  /** Hours in use outside scheduled periods (breaks, evenings, days off). */
  outsideHours: Nullable(Hours),
  /** usedHours ÷ coveredHours. */
  timeUtilisationPct: Nullable(Pct),
  /** Periods in use for at least half their length ÷ periods the data covered. */
  periodUtilisationPct: Nullable(Pct),
  /** coveredHours ÷ scheduledHours: the share of the month's school hours with data. */
  coveragePct: Nullable(Pct),
  /** The month's share of the equipment's straight-line depreciation ÷ hours in use (inside and outside periods), whole VND. */
  costPerUsedHourVnd: Nullable(Type.Integer({ minimum: 0 })),
  /** Devices (not retired) with a complete digital record, of `recordsTotal`: the register as of `recordsAsOf`. */
  recordsComplete: Count,
  recordsTotal: Count,
  recordsPct: Nullable(Pct),
  /** The day (yyyy-mm-dd, Asia/Ho_Chi_Minh) of the register the records KPI was counted on: it keeps no history. */
  recordsAsOf: Type.String(),
  usageNote: Nullable(FeedUsageNote),
});
export type MonthlyFeedSchoolV1 = Static<typeof MonthlyFeedSchoolV1>;

/** GET /api/feed/v1/monthly: the month's schools within the caller's scope. */
export const MonthlyFeedV1 = Obj({
  schemaVersion: Type.Literal(1),
  month: Type.String({ pattern: FEED_MONTH_PATTERN }),
  partial: Type.Boolean(),
  /** ISO 8601, UTC. */
  generatedAt: Type.String(),
  timeZone: Type.Literal('Asia/Ho_Chi_Minh'),
  /** Whether the report store holds any analysed day of the month (false: every school's usageNote is `not_analysed`). */
  analysed: Type.Boolean(),
  schools: Type.Array(MonthlyFeedSchoolV1),
});
export type MonthlyFeedV1 = Static<typeof MonthlyFeedV1>;

/** The query of both forms: `month` defaults to the last month that has ended. */
export const MonthlyFeedQuery = Obj({
  month: Type.Optional(Type.String({ pattern: FEED_MONTH_PATTERN, description: 'yyyy-mm (Asia/Ho_Chi_Minh); default: the last month that has ended' })),
});
export type MonthlyFeedQuery = Static<typeof MonthlyFeedQuery>;

/** GET /api/feed/v1/monthly.csv: the same rows, one per line under this header, in this order. */
export const FEED_V1_CSV_COLUMNS = [
  ['month', 'month'], ['partial', 'partial'],
  ['province_code', 'provinceCode'], ['province_name', 'provinceName'],
  ['district_code', 'districtCode'], ['district_name', 'districtName'],
  ['school_code', 'schoolCode'], ['school_name', 'schoolName'],
  ['equipped_rooms', 'equippedRooms'], ['pending_rooms', 'pendingRooms'],
  ['scheduled_periods', 'scheduledPeriods'], ['scheduled_hours', 'scheduledHours'], ['covered_hours', 'coveredHours'],
  ['used_hours', 'usedHours'], ['outside_hours', 'outsideHours'],
  ['time_utilisation_pct', 'timeUtilisationPct'], ['period_utilisation_pct', 'periodUtilisationPct'], ['coverage_pct', 'coveragePct'],
  ['cost_per_used_hour_vnd', 'costPerUsedHourVnd'],
  ['records_complete', 'recordsComplete'], ['records_total', 'recordsTotal'], ['records_pct', 'recordsPct'], ['records_as_of', 'recordsAsOf'],
  ['usage_note', 'usageNote'],
] as const satisfies readonly (readonly [string, keyof MonthlyFeedSchoolV1])[];
