/**
 * The monthly feed, v1 (issue 22, "data upward"; api/feed.ts, docs/integration.md "Monthly feed (data upward)"):
 * one row per school in the caller's scope with the month's room use, coverage and digital-records KPI. Cheap: the
 * usage figures come from the report store's month rollups (never raw readings) through the usage report's own
 * arithmetic (usage/planning.ts, usage/report.ts `figures`), so they equal GET /api/usage's school rows for the same
 * month; the records KPI is kpi.ts's. A month nobody analysed says so (null figures, `not_analysed`), never zeros.
 */
import { EdufleetError } from '../../lib/errors.js';
import type { RegistryStore, ReportStore, Scope, User } from '../../registry/index.js';
import { addDays, localDate } from '../../timetable/index.js';
import { roomFacts } from '../../usage/facts.js';
import { pendingDays, pendingStatus } from '../../usage/pending.js';
import { groupRows, roomRows, type GroupRow } from '../../usage/planning.js';
import { daysBetween, figures } from '../../usage/report.js';
import { FEED_V1_CSV_COLUMNS, type FeedUsageNote, type KpiFigures, type MonthlyFeedSchoolV1, type MonthlyFeedV1 } from '../../api/index.js';
import { csvText } from '../../lib/sheets/write.js';
import { aggregateKpi } from './kpi.js';
import { maySee, userScope } from './scope.js';

export interface FeedDeps {
  registry: RegistryStore;
  store: ReportStore;
  /** usage.minCoverage, as the usage report judges rooms with it. */
  minCoverage: number;
  /** reports.provinceCode / reports.provinceName ('' : unknown). */
  province: { code: string; name: string };
}

/** The first day of the month after `month` (yyyy-mm). */
const nextMonth = (month: string): string => addDays(`${month}-28`, 10).slice(0, 7);

/** The month asked for, or the last one that has ended; a month that has not begun is refused. */
export function feedMonth(asked: string | undefined, now: number): { month: string; partial: boolean } {
  const current = localDate(now).slice(0, 7);
  const month = asked ?? addDays(`${current}-01`, -1).slice(0, 7);
  if (month > current) throw new EdufleetError('EDUFLEET_ERR_FEED_MONTH', `month ${month} has not begun (today is ${localDate(now)} in Asia/Ho_Chi_Minh): the feed has the months that have ended, and the current one marked partial`);
  return { month, partial: month === current };
}

const round = (x: number, places: number): number => Math.round(x * 10 ** places) / 10 ** places;
const hours = (x: number): number => round(x, 2);
const pct = (share: number | null): number | null => (share === null ? null : round(share * 100, 2));

type UsageColumns = Pick<MonthlyFeedSchoolV1, 'scheduledPeriods' | 'scheduledHours' | 'coveredHours' | 'usedHours' | 'outsideHours'
  | 'timeUtilisationPct' | 'periodUtilisationPct' | 'coveragePct' | 'costPerUsedHourVnd' | 'usageNote'>;
const NO_USAGE = {
  scheduledPeriods: null, scheduledHours: null, coveredHours: null, usedHours: null, outsideHours: null, timeUtilisationPct: null,
  periodUtilisationPct: null, coveragePct: null, costPerUsedHourVnd: null,
} as const;

/** The usage columns of a school: its equipped rooms' group row, or nulls with the reason (api/feed.ts FeedUsageNote). */
function usageOf(g: GroupRow | undefined, analysed: boolean): UsageColumns {
  if (!analysed) return { ...NO_USAGE, usageNote: 'not_analysed' };
  if (!g) return { ...NO_USAGE, usageNote: 'no_equipped_rooms' };
  const f = figures(g.totals);
  const note: FeedUsageNote | null = f.coverage === null ? 'no_timetabled_time' : f.timeUtilisation === null ? 'no_data' : null;
  return {
    scheduledPeriods: f.periods, scheduledHours: hours(f.timetabledHours), coveredHours: hours(f.coveredHours), usedHours: hours(f.usedHours),
    outsideHours: hours(f.outsideHours), timeUtilisationPct: pct(f.timeUtilisation), periodUtilisationPct: pct(f.periodUtilisation), coveragePct: pct(f.coverage),
    costPerUsedHourVnd: g.costPerUsedHourVnd === null ? null : Math.round(g.costPerUsedHourVnd), usageNote: note,
  };
}

/** Per school: its equipped rooms' group row, how many rooms it has and how many wait for an edge; and whether anyone analysed the month. */
interface SchoolUsage { groups: Map<number, GroupRow>; rooms: Map<number, number>; pending: Map<number, number>; analysed: boolean }

/** The usage report's own steps for its school rows (usage/report.ts usageReport), without its heatmap, weeks and flags. */
async function schoolUsage(d: FeedDeps, scope: Scope | undefined, from: string, to: string, now: number): Promise<SchoolUsage> {
  const days = daysBetween(from, to);
  const rooms = await roomFacts(d.registry, scope);
  const range = { from, to, schoolIds: scope ? [...new Set(rooms.map((r) => r.schoolId))] : undefined };
  const stored = await d.store.roomTotals(range);
  const { totals, pending } = await (await pendingDays({ registry: d.registry, store: d.store, scope, now })).settle(range, stored);
  const rows = roomRows(rooms, totals, await d.store.deviceHours(range), days, d.minCoverage)
    .map((r) => ({ ...r, status: pendingStatus(r.status, pending.get(r.room.roomId)) }));
  const count = (list: typeof rows) => list.reduce((m, r) => m.set(r.room.schoolId, (m.get(r.room.schoolId) ?? 0) + 1), new Map<number, number>());
  return {
    groups: new Map(groupRows(rows, (r) => ({ key: String(r.room.schoolId), name: r.room.schoolName }), days).map((g) => [Number(g.key), g])),
    rooms: count(rows),
    pending: count(rows.filter((r) => pending.has(r.room.roomId))),
    // Analysed at all: any room of the province has a day of this month (a scope without data says nothing of the month).
    analysed: stored.size > 0 || (scope !== undefined && (await d.store.roomTotals({ from, to })).size > 0),
  };
}

/** The feed of `month` for `user` (a person or an API token), within their scope. */
export async function monthlyFeed(d: FeedDeps, user: User, asked: string | undefined, now: number): Promise<MonthlyFeedV1> {
  const { month, partial } = feedMonth(asked, now);
  const scope = userScope(user);
  const usage = await schoolUsage(d, scope, `${month}-01`, `${nextMonth(month)}-01`, now);
  const schools = (await d.registry.schools(scope)).filter((s) => maySee(user, { schoolId: s.id, districtId: s.districtId }));
  const districts = new Map((await d.registry.districts()).map((x) => [x.id, x]));
  const kpi = aggregateKpi((await d.registry.kpiRows(scope)).filter((r) => maySee(user, r)), () => null, now);
  const records = new Map<number, KpiFigures>(kpi.schools.map((s) => [s.schoolId, s.figures]));
  const recordsAsOf = localDate(now);
  const out: MonthlyFeedSchoolV1[] = schools.map((s) => {
    const district = s.districtId === null ? undefined : districts.get(s.districtId);
    const k = records.get(s.id);
    const { usageNote, ...use } = usageOf(usage.groups.get(s.id), usage.analysed);
    return {
      month, partial, provinceCode: d.province.code || null, provinceName: d.province.name || null,
      districtCode: district?.code ?? null, districtName: district?.name ?? null, schoolCode: s.code, schoolName: s.name,
      equippedRooms: usage.rooms.get(s.id) ?? 0, pendingRooms: usage.pending.get(s.id) ?? 0,
      ...use,
      recordsComplete: k?.withRecord ?? 0, recordsTotal: k?.devices ?? 0, recordsPct: pct(k?.recordShare ?? null), recordsAsOf, usageNote,
    };
  });
  out.sort((a, b) => (a.districtCode ?? '').localeCompare(b.districtCode ?? '') || a.schoolCode.localeCompare(b.schoolCode));
  return { schemaVersion: 1, month, partial, generatedAt: new Date(now).toISOString(), timeZone: 'Asia/Ho_Chi_Minh', analysed: usage.analysed, schools: out };
}

/**
 * The CSV form: the header of FEED_V1_CSV_COLUMNS, one line per school, RFC 4180 quoting with CRLF (lib/sheets), dot
 * decimals, no thousands separators, empty for null. No BOM: machines read it, not a spreadsheet's guess.
 */
export function feedCsv(feed: MonthlyFeedV1): string {
  const cell = (v: string | number | boolean | null) => (typeof v === 'boolean' ? String(v) : v);
  return csvText(FEED_V1_CSV_COLUMNS.map(([name]) => name), feed.schools.map((s) => FEED_V1_CSV_COLUMNS.map(([, key]) => cell(s[key]))))
    .replace(/^\uFEFF/, '');
}
