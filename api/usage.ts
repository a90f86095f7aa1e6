/** Room use against the timetable, the budget planner, report files, school timetables and report subscriptions. */
import type { RoomType } from '../domain/index.js';
import type { ApiErrorBody } from './common.js';

/** Use of rooms against the timetable; ratios 0..1 or null when nothing was timetabled. */
export interface UsageFigures {
  timetabledHours: number;
  /** Hours in use inside timetabled periods. */
  usedHours: number;
  /** Hours in use outside timetabled periods (breaks, evenings, days off). */
  outsideHours: number;
  periods: number;
  periodsUsed: number;
  /** Periods the devices' data covered for at least half their length (or used): what period utilisation counts. */
  periodsCovered: number;
  /** periods − periodsCovered: too little data to say whether they were used ("tiết không đủ dữ liệu"). */
  periodsUncovered: number;
  /** Over the timetabled hours the devices' data covered (`coveredHours`), not over all of them. */
  timeUtilisation: number | null;
  /** periodsUsed ÷ periodsCovered: over the covered periods, not over all of them; null when none was covered. */
  periodUtilisation: number | null;
  /** Timetabled hours covered by the devices' data (a device connected, or readings for them). */
  coveredHours: number;
  /** coveredHours ÷ timetabledHours, 0..1; null when nothing was timetabled. */
  coverage: number | null;
}

/**
 * `no_data`: coverage below `usage.minCoverage`, too little data to judge ("không đủ dữ liệu"). `pending`: days still
 * expected from the site's edge node and nothing to judge without them ("đang chờ dữ liệu từ máy trạm biên").
 */
export type RoomUsageStatus = 'underused' | 'saturated' | 'normal' | 'no_timetable' | 'no_data' | 'pending';

export interface UsageRoomRow {
  roomId: number;
  roomName: string;
  roomType: RoomType;
  schoolId: number;
  schoolName: string;
  districtId: number | null;
  districtName: string | null;
  figures: UsageFigures;
  status: RoomUsageStatus;
  annualCostVnd: number;
  costPerUsedHourVnd: number | null;
  kits: { kind: string; devices: number; annualCostVnd: number; usedHours: number; costPerUsedHourVnd: number | null }[];
  /**
   * The days of the window (from `since`, local, to its end) still expected from the site's edge node: left out of
   * `figures`, neither idle nor uncovered; null when the room's data is complete.
   */
  pending: { since: string; days: number } | null;
}

export interface UsageGroupRow {
  /** District id ('so' for schools under the Sở), school id, room type, or 'province'. */
  key: string;
  name: string;
  rooms: number;
  figures: UsageFigures;
  underused: number;
  saturated: number;
  /** Rooms with too little data to judge. */
  noData: number;
  annualCostVnd: number;
  costPerUsedHourVnd: number | null;
}

/** A window of local days [from, to), yyyy-mm-dd; four weeks up to today when left out. */
export interface DayWindowQuery { from?: string; to?: string }
/** The drill-down of the usage report: a district ('so': the schools under the Sở), a school or a room. */
export interface UsageQuery extends DayWindowQuery { districtId?: number | 'so'; schoolId?: number; roomId?: number }

/** GET /api/usage: one window of local days [from, to) within the user's scope, narrowed by the drill-down filters. */
export interface UsageReport {
  from: string;
  to: string;
  days: number;
  /** True when the user sees part of the province only. */
  scoped: boolean;
  total: UsageGroupRow;
  districts: UsageGroupRow[];
  schools: UsageGroupRow[];
  roomTypes: UsageGroupRow[];
  rooms: UsageRoomRow[];
  heatmap: { weekday: number; slot: string; used: number; available: number }[];
  /** Weeks starting Monday 00:00 in Vietnam (UTC ms). */
  weeks: { week: number; figures: UsageFigures }[];
  /** The same stretch of the previous term (same weeks from its start), when there is one. */
  lastTerm: { from: string; to: string; figures: UsageFigures } | null;
  /**
   * Rooms flagged over the 8 weeks before `to` (or the window when longer); `noData`: too little data to judge;
   * `pending`: waiting for days still expected from their site's edge node.
   */
  flagged: { window: { from: string; to: string }; underused: number[]; saturated: number[]; noData: number[]; pending: number[] };
  /** The coverage a room needs to be judged (`usage.minCoverage`). */
  minCoverage: number;
  generatedAt: number;
}

export type RankReason =
  | { code: 'saturated_rooms'; utilisation: number; rooms: number }
  | { code: 'busy_rooms'; utilisation: number; rooms: number }
  | { code: 'pupils_per_smart_room'; pupils: number; smartRooms: number; perRoom: number }
  | { code: 'no_smart_room'; pupils: number }
  | { code: 'last_investment'; year: number; yearsAgo: number }
  | { code: 'never_invested' };

export interface PlanningQuery extends DayWindowQuery { rooms?: number }

/** GET /api/planning: the budget planner. */
export interface PlanningResponse {
  rooms: number;
  unitCostVnd: number;
  budgetVnd: number;
  from: string;
  to: string;
  ranking: {
    rank: number; schoolId: number; schoolName: string; districtName: string | null; pupils: number; score: number;
    utilisation: number | null; smartRooms: number; pupilsPerSmartRoom: number; yearsSinceInvestment: number | null;
    reasons: RankReason[]; funded: boolean;
  }[];
  /**
   * Schools whose rooms have too little data to judge their use: not ranked, listed apart. `pendingRooms` of them
   * wait for days still expected from their site's edge node ("đang chờ dữ liệu từ máy trạm biên").
   */
  insufficientData: { schoolId: number; schoolName: string; districtName: string | null; coverage: number | null; rooms: number; pendingRooms: number }[];
  minCoverage: number;
  /** Equipment to replace or look at: past its service life, in repair, or repaired twice or more in 12 months. */
  equipment: {
    deviceId: string; name: string; kind: string; schoolName: string; roomName: string; inServiceDate: string | null;
    serviceLifeYears: number | null; costVnd: number | null; state: string; repairs12m: number;
    reasons: ('past_life' | 'in_repair' | 'failing_often')[];
  }[];
}

export type ExportFormat = 'pdf' | 'xlsx' | 'csv';
export interface ExportInput extends UsageQuery { format: ExportFormat; rooms?: number }

/** POST /api/usage/exports: the report as a file, made in the background (GET …/:id follows it, …/:id/file downloads it). */
export interface ExportJob {
  id: string;
  format: ExportFormat;
  status: 'running' | 'done' | 'failed';
  progress: { phase: 'query' | 'render'; done: number; total: number };
  fileName?: string;
  error?: ApiErrorBody;
}

/** A school's timetable for one term, as timetable/model.ts has it (dates local yyyy-mm-dd, times local hh:mm). */
export interface TimetableTerm {
  term: string;
  start: string;
  end: string;
  teachingDays: number[];
  periods: { session: 'morning' | 'afternoon' | 'evening'; no: number; start: string; end: string }[];
  holidays: { name: string; from: string; to: string }[];
}
/** GET and PUT /api/schools/:id/timetable: the terms saved, or the default of the school's level (`isDefault`). */
export interface TimetableResponse { isDefault: boolean; terms: TimetableTerm[] }
export interface TimetableInput { terms: TimetableTerm[] }

/** Who gets the monthly planning report by e-mail; `districtId` null: the province-wide report. */
export interface ReportSubscription { id: number; email: string; districtId: number | null; createdBy: string; createdAt: number; lastSent: string | null }
export interface SubscriptionInput { email: string; districtId: number | null }
