/** Room use against the timetable, the budget planner, report files, school timetables and report subscriptions. */
import { Type, type Static } from '@sinclair/typebox';
import { ApiErrorBody } from './common.js';
import { HHMM, Id, IsoDate, lit, Nullable, Obj } from './kit.js';
import { RoomType } from './places.js';

const Ratio = Nullable(Type.Number());
const Vnd = Type.Number();

/** Use of rooms against the timetable; ratios 0..1 or null when nothing was timetabled. */
export const UsageFigures = Obj({
  timetabledHours: Type.Number(),
  usedHours: Type.Number({ description: 'Hours in use inside timetabled periods.' }),
  outsideHours: Type.Number({ description: 'Hours in use outside timetabled periods (breaks, evenings, days off).' }),
  periods: Type.Integer(),
  periodsUsed: Type.Integer(),
  periodsCovered: Type.Integer({ description: 'Periods the devices\' data covered for at least half their length (or used): what period utilisation counts.' }),
  periodsUncovered: Type.Integer({ description: 'periods − periodsCovered: too little data to say whether they were used ("tiết không đủ dữ liệu").' }),
  timeUtilisation: Nullable(Type.Number(), { description: 'Over the timetabled hours the devices\' data covered (`coveredHours`), not over all of them.' }),
  periodUtilisation: Nullable(Type.Number(), { description: 'periodsUsed ÷ periodsCovered: over the covered periods, not over all of them; null when none was covered.' }),
  coveredHours: Type.Number({ description: 'Timetabled hours covered by the devices\' data (a device connected, or readings for them).' }),
  coverage: Nullable(Type.Number(), { description: 'coveredHours ÷ timetabledHours, 0..1; null when nothing was timetabled.' }),
});
export type UsageFigures = Static<typeof UsageFigures>;

/**
 * `no_data`: coverage below `usage.minCoverage`, too little data to judge ("không đủ dữ liệu"). `pending`: days still
 * expected from the site's edge node and nothing to judge without them ("đang chờ dữ liệu từ máy trạm biên").
 */
export const RoomUsageStatus = lit(['underused', 'saturated', 'normal', 'no_timetable', 'no_data', 'pending']);
export type RoomUsageStatus = Static<typeof RoomUsageStatus>;

export const UsageRoomRow = Obj({
  roomId: Type.Integer(),
  roomName: Type.String(),
  roomType: RoomType,
  schoolId: Type.Integer(),
  schoolName: Type.String(),
  districtId: Nullable(Type.Integer()),
  districtName: Nullable(Type.String()),
  figures: UsageFigures,
  status: RoomUsageStatus,
  annualCostVnd: Vnd,
  costPerUsedHourVnd: Nullable(Vnd),
  kits: Type.Array(Obj({ kind: Type.String(), devices: Type.Integer(), annualCostVnd: Vnd, usedHours: Type.Number(), costPerUsedHourVnd: Nullable(Vnd) })),
  pending: Nullable(Obj({ since: Type.String(), days: Type.Integer() }), {
    description: 'The days of the window (from `since`, local, to its end) still expected from the site\'s edge node: left out of `figures`, neither idle nor uncovered; null when the room\'s data is complete.',
  }),
});
export type UsageRoomRow = Static<typeof UsageRoomRow>;

export const UsageGroupRow = Obj({
  key: Type.String({ description: 'District id (\'so\' for schools under the Sở), school id, room type, or \'province\'.' }),
  name: Type.String(),
  rooms: Type.Integer(),
  figures: UsageFigures,
  underused: Type.Integer(),
  saturated: Type.Integer(),
  noData: Type.Integer({ description: 'Rooms with too little data to judge.' }),
  annualCostVnd: Vnd,
  costPerUsedHourVnd: Nullable(Vnd),
});
export type UsageGroupRow = Static<typeof UsageGroupRow>;

/** A window of local days [from, to), yyyy-mm-dd; four weeks up to today when left out. */
const dayWindow = { from: Type.Optional(IsoDate), to: Type.Optional(IsoDate) };
export const DayWindowQuery = Obj(dayWindow);
export type DayWindowQuery = Static<typeof DayWindowQuery>;
/** The drill-down of the usage report: a district ('so': the schools under the Sở), a school or a room. */
const drillDown = {
  districtId: Type.Optional(Type.Union([Id, Type.Literal('so')])),
  schoolId: Type.Optional(Id),
  roomId: Type.Optional(Id),
};
export const UsageQuery = Obj({ ...dayWindow, ...drillDown });
export type UsageQuery = Static<typeof UsageQuery>;

/** GET /api/usage: one window of local days [from, to) within the user's scope, narrowed by the drill-down filters. */
export const UsageReport = Obj({
  from: Type.String(),
  to: Type.String(),
  days: Type.Integer(),
  scoped: Type.Boolean({ description: 'True when the user sees part of the province only.' }),
  total: UsageGroupRow,
  districts: Type.Array(UsageGroupRow),
  schools: Type.Array(UsageGroupRow),
  roomTypes: Type.Array(UsageGroupRow),
  rooms: Type.Array(UsageRoomRow),
  heatmap: Type.Array(Obj({ weekday: Type.Integer(), slot: Type.String(), used: Type.Number(), available: Type.Number() })),
  weeks: Type.Array(Obj({ week: Type.Number(), figures: UsageFigures }), { description: 'Weeks starting Monday 00:00 in Vietnam (UTC ms).' }),
  lastTerm: Nullable(Obj({ from: Type.String(), to: Type.String(), figures: UsageFigures }), { description: 'The same stretch of the previous term (same weeks from its start), when there is one.' }),
  flagged: Obj({
    window: Obj({ from: Type.String(), to: Type.String() }),
    underused: Type.Array(Type.Integer()), saturated: Type.Array(Type.Integer()), noData: Type.Array(Type.Integer()), pending: Type.Array(Type.Integer()),
  }, { description: 'Rooms flagged over the 8 weeks before `to` (or the window when longer); `noData`: too little data to judge; `pending`: waiting for days still expected from their site\'s edge node.' }),
  minCoverage: Type.Number({ description: 'The coverage a room needs to be judged (`usage.minCoverage`).' }),
  generatedAt: Type.Number(),
});
export type UsageReport = Static<typeof UsageReport>;

export const RankReason = Type.Union([
  Obj({ code: Type.Literal('saturated_rooms'), utilisation: Type.Number(), rooms: Type.Integer() }),
  Obj({ code: Type.Literal('busy_rooms'), utilisation: Type.Number(), rooms: Type.Integer() }),
  Obj({ code: Type.Literal('pupils_per_smart_room'), pupils: Type.Integer(), smartRooms: Type.Integer(), perRoom: Type.Number() }),
  Obj({ code: Type.Literal('no_smart_room'), pupils: Type.Integer() }),
  Obj({ code: Type.Literal('last_investment'), year: Type.Integer(), yearsAgo: Type.Integer() }),
  Obj({ code: Type.Literal('never_invested') }),
]);
export type RankReason = Static<typeof RankReason>;

const Rooms = Type.Integer({ minimum: 1, maximum: 200, default: 2, description: 'How many smart rooms the budget buys (default 2).' });
export const PlanningQuery = Obj({ ...dayWindow, rooms: Type.Optional(Rooms) });
export type PlanningQuery = Static<typeof PlanningQuery>;

/** GET /api/planning: the budget planner. */
export const PlanningResponse = Obj({
  rooms: Type.Integer(),
  unitCostVnd: Vnd,
  budgetVnd: Vnd,
  from: Type.String(),
  to: Type.String(),
  ranking: Type.Array(Obj({
    rank: Type.Integer(), schoolId: Type.Integer(), schoolName: Type.String(), districtName: Nullable(Type.String()), pupils: Type.Integer(), score: Type.Number(),
    utilisation: Ratio, smartRooms: Type.Integer(), pupilsPerSmartRoom: Type.Number(), yearsSinceInvestment: Nullable(Type.Number()),
    reasons: Type.Array(RankReason), funded: Type.Boolean(),
  })),
  insufficientData: Type.Array(Obj({
    schoolId: Type.Integer(), schoolName: Type.String(), districtName: Nullable(Type.String()), coverage: Ratio, rooms: Type.Integer(), pendingRooms: Type.Integer(),
  }), { description: 'Schools whose rooms have too little data to judge their use: not ranked, listed apart. `pendingRooms` of them wait for days still expected from their site\'s edge node ("đang chờ dữ liệu từ máy trạm biên").' }),
  minCoverage: Type.Number(),
  equipment: Type.Array(Obj({
    deviceId: Type.String(), name: Type.String(), kind: Type.String(), schoolName: Type.String(), roomName: Type.String(), inServiceDate: Nullable(Type.String()),
    serviceLifeYears: Nullable(Type.Number()), costVnd: Nullable(Vnd), state: Type.String(), repairs12m: Type.Integer(),
    reasons: Type.Array(lit(['past_life', 'in_repair', 'failing_often'])),
  }), { description: 'Equipment to replace or look at: past its service life, in repair, or repaired twice or more in 12 months.' }),
});
export type PlanningResponse = Static<typeof PlanningResponse>;

export const ExportFormat = lit(['pdf', 'xlsx', 'csv']);
export type ExportFormat = Static<typeof ExportFormat>;
export const ExportInput = Obj({ format: ExportFormat, ...dayWindow, ...drillDown, rooms: Type.Optional(Rooms) });
export type ExportInput = Static<typeof ExportInput>;

/** POST /api/usage/exports: the report as a file, made in the background (GET …/:id follows it, …/:id/file downloads it). */
export const ExportJob = Obj({
  id: Type.String(),
  format: ExportFormat,
  status: lit(['running', 'done', 'failed']),
  progress: Obj({ phase: lit(['query', 'render']), done: Type.Integer(), total: Type.Integer() }),
  fileName: Type.Optional(Type.String()),
  error: Type.Optional(ApiErrorBody),
});
export type ExportJob = Static<typeof ExportJob>;

const Period = Obj({
  session: lit(['morning', 'afternoon', 'evening']), no: Type.Integer({ minimum: 1, maximum: 6 }), start: HHMM, end: HHMM,
  days: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, description: 'ISO weekdays this period is taught on, when not every teaching day of the term (a Saturday with a morning session only).' })),
});
/** A school's timetable for one term, as timetable/model.ts has it (dates local yyyy-mm-dd, times local hh:mm). */
export const TimetableTerm = Obj({
  term: Type.String({ minLength: 1, maxLength: 100 }),
  start: IsoDate,
  end: IsoDate,
  teachingDays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7 }),
  periods: Type.Array(Period, { minItems: 1, maxItems: 16 }),
  holidays: Type.Array(Obj({ name: Type.String({ minLength: 1, maxLength: 100 }), from: IsoDate, to: IsoDate }), { maxItems: 100 }),
});
export type TimetableTerm = Static<typeof TimetableTerm>;
/** GET and PUT /api/schools/:id/timetable: the terms saved, or the default of the school's level (`isDefault`). */
export const TimetableResponse = Obj({ isDefault: Type.Boolean(), terms: Type.Array(TimetableTerm) });
export type TimetableResponse = Static<typeof TimetableResponse>;
export const TimetableInput = Obj({ terms: Type.Array(TimetableTerm, { maxItems: 12 }) });
export type TimetableInput = Static<typeof TimetableInput>;

/** Who gets the monthly planning report by e-mail; `districtId` null: the province-wide report. */
export const ReportSubscription = Obj({
  id: Type.Integer(), email: Type.String(), districtId: Nullable(Type.Integer()), createdBy: Type.String(), createdAt: Type.Number(), lastSent: Nullable(Type.String()),
});
export type ReportSubscription = Static<typeof ReportSubscription>;
export const ReportSubscriptionList = Type.Array(ReportSubscription);
export const SubscriptionInput = Obj({
  email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' }),
  districtId: Nullable(Id),
});
export type SubscriptionInput = Static<typeof SubscriptionInput>;
