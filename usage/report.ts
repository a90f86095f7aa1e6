/**
 * The usage report of one window, as the web app, the PDF/XLSX/CSV exports and the monthly e-mail all show it:
 * rollups from InfluxDB (never raw readings), facts from the registry, the planner's arithmetic.
 */
import type { RegistryStore, ReportStore, Scope } from '../registry/index.js';
import type { PlanningResponse, UsageFigures, UsageGroupRow, UsageReport, UsageRoomRow } from '../api/index.js';
import { addDays, defaultTerms, localDate, localMidnight, schoolYearOf } from '../timetable/index.js';
import { roomFacts } from './facts.js';
import { groupRows, insufficientData, MIN_COVERAGE, rankSchools, roomRows, SMART_CLASSROOM_VND, statusOf, type GroupRow, type RoomRow } from './planning.js';
import { equipmentAttention, schoolFacts } from './facts.js';
import { pendingDays, pendingStatus, type RoomPending } from './pending.js';
import type { UsageQueries } from './queries.js';
import { addTotals, coverage, coveredMin, periodsCovered, periodUtilisation, timeUtilisation, ZERO_TOTALS, type UsageTotals } from './utilisation.js';

/** Rooms are flagged underused / saturated over this many days before the end of the window. */
export const FLAG_WINDOW_DAYS = 56;

export interface ReportFilter { districtId?: number | 'so'; schoolId?: number; roomId?: number }

export function figures(t: UsageTotals): UsageFigures {
  return {
    timetabledHours: t.timetabledMin / 60, usedHours: t.inUseTimetabledMin / 60, outsideHours: t.outsideMin / 60,
    periods: t.periodsAvailable, periodsUsed: t.periodsUsed, periodsCovered: periodsCovered(t), periodsUncovered: t.periodsAvailable - periodsCovered(t),
    timeUtilisation: timeUtilisation(t), periodUtilisation: periodUtilisation(t),
    coveredHours: Math.min(coveredMin(t), t.timetabledMin) / 60, coverage: coverage(t),
  };
}

const roomRow = (r: RoomRow, pending: RoomPending | undefined): UsageRoomRow => ({
  roomId: r.room.roomId, roomName: r.room.roomName, roomType: r.room.roomType, schoolId: r.room.schoolId, schoolName: r.room.schoolName,
  districtId: r.room.districtId, districtName: r.room.districtName, figures: figures(r.totals), status: r.status,
  annualCostVnd: r.annualCostVnd, costPerUsedHourVnd: r.costPerUsedHourVnd, kits: r.kits, pending: pending ?? null,
});
const groupRow = (g: GroupRow): UsageGroupRow => ({
  key: g.key, name: g.name, rooms: g.rooms, figures: figures(g.totals), underused: g.underused, saturated: g.saturated, noData: g.noData,
  annualCostVnd: g.annualCostVnd, costPerUsedHourVnd: g.costPerUsedHourVnd,
});

export const daysBetween = (from: string, to: string) => Math.round((localMidnight(to) - localMidnight(from)) / 86_400_000);

/** The same stretch of the previous term: as many days after its start as `from` is after its own term's start. */
export function sameStretchLastTerm(from: string, to: string): { from: string; to: string } | undefined {
  const year = schoolYearOf(from);
  const terms = [...defaultTerms('thpt', year - 1), ...defaultTerms('thpt', year)];
  const i = terms.findIndex((t) => from >= t.start && from <= t.end);
  if (i < 1) return undefined;
  const offset = daysBetween(terms[i]!.start, from);
  const lastFrom = addDays(terms[i - 1]!.start, offset);
  return { from: lastFrom, to: addDays(lastFrom, daysBetween(from, to)) };
}

/** The usage report of local days [from, to) within `scope`, narrowed by `filter`; `minCoverage`: `usage.minCoverage`. */
export async function usageReport(o: {
  registry: RegistryStore; store: ReportStore; queries: UsageQueries; scope: Scope | undefined; from: string; to: string; filter?: ReportFilter; now: number;
  minCoverage?: number;
}): Promise<UsageReport> {
  const { registry, store, queries, from, to } = o;
  const minCoverage = o.minCoverage ?? MIN_COVERAGE;
  const f = o.filter ?? {};
  const rooms = (await roomFacts(registry, o.scope)).filter((r) =>
    (f.districtId === undefined || (f.districtId === 'so' ? r.districtId === null : r.districtId === f.districtId))
    && (f.schoolId === undefined || r.schoolId === f.schoolId)
    && (f.roomId === undefined || r.roomId === f.roomId));
  const schoolIds = [...new Set(rooms.map((r) => r.schoolId))];
  const narrowed = o.scope !== undefined || f.districtId !== undefined || f.schoolId !== undefined || f.roomId !== undefined;
  const range = { from, to, schoolIds: narrowed ? schoolIds : undefined };
  const roomIds = f.roomId !== undefined ? [f.roomId] : undefined;
  const flagFrom = daysBetween(from, to) >= FLAG_WINDOW_DAYS ? from : addDays(to, -FLAG_WINDOW_DAYS);
  const last = sameStretchLastTerm(from, to);
  // Whole-window figures come from the report store; one room's heatmap and weeks from its daily rollups in InfluxDB.
  // Days still expected from a site's edge are left out of its rooms' figures (usage/pending.ts).
  const edges = await pendingDays({ registry, store, scope: o.scope, now: o.now });
  const { totals, pending } = await edges.settle(range, await store.roomTotals(range));
  const deviceHours = await store.deviceHours(range);
  const heat = roomIds ? await queries.heatmap({ ...range, roomIds }) : await store.heatmap(range);
  const weeks = roomIds ? await queries.weeks({ ...range, roomIds }) : (await store.weeks(range)).map((w) => ({ week: localMidnight(w.week), totals: w.totals }));
  const flagRange = { ...range, from: flagFrom };
  const flagged0 = flagFrom === from ? undefined : await edges.settle(flagRange, await store.roomTotals(flagRange));
  const flagTotals = flagged0?.totals;
  const flagPending = flagged0?.pending ?? pending;
  const lastTotals = last ? await store.roomTotals({ ...range, ...last }) : undefined;
  const days = daysBetween(from, to);
  const rows = roomRows(rooms, totals, deviceHours, days, minCoverage).map((r) => ({ ...r, status: pendingStatus(r.status, pending.get(r.room.roomId)) }));
  const inRooms = (m: Map<number, UsageTotals>) => rooms.reduce((a, r) => addTotals(a, m.get(r.roomId) ?? ZERO_TOTALS), ZERO_TOTALS);
  const flagged = rooms.map((r) => ({ id: r.roomId, status: pendingStatus(statusOf((flagTotals ?? totals).get(r.roomId) ?? ZERO_TOTALS, minCoverage), flagPending.get(r.roomId)) }));
  const [total] = groupRows(rows, () => ({ key: 'province', name: '' }), days);
  return {
    from, to, days, scoped: o.scope !== undefined,
    total: groupRow(total ?? { key: 'province', name: '', rooms: 0, totals: ZERO_TOTALS, timeUtilisation: null, periodUtilisation: null, underused: 0, saturated: 0, noData: 0, annualCostVnd: 0, usedHours: 0, costPerUsedHourVnd: null }),
    districts: groupRows(rows, (r) => ({ key: r.room.districtId === null ? 'so' : String(r.room.districtId), name: r.room.districtName ?? '' }), days).map(groupRow),
    schools: groupRows(rows, (r) => ({ key: String(r.room.schoolId), name: r.room.schoolName }), days).map(groupRow),
    roomTypes: groupRows(rows, (r) => ({ key: r.room.roomType, name: r.room.roomType }), days).map(groupRow),
    rooms: rows.map((r) => roomRow(r, pending.get(r.room.roomId))),
    heatmap: heat,
    weeks: weeks.map((w) => ({ week: w.week, figures: figures(w.totals) })),
    lastTerm: last && lastTotals ? { ...last, figures: figures(inRooms(lastTotals)) } : null,
    flagged: {
      window: { from: flagFrom, to },
      underused: flagged.filter((x) => x.status === 'underused').map((x) => x.id),
      saturated: flagged.filter((x) => x.status === 'saturated').map((x) => x.id),
      noData: flagged.filter((x) => x.status === 'no_data').map((x) => x.id),
      pending: flagged.filter((x) => x.status === 'pending').map((x) => x.id),
    },
    minCoverage,
    generatedAt: o.now,
  };
}

/** The budget planner over local days [from, to) within `scope`: `rooms` new smart classrooms, ranked schools. */
export async function planningReport(o: {
  registry: RegistryStore; store: ReportStore; scope: Scope | undefined; from: string; to: string; rooms: number; now: number; minCoverage?: number;
}): Promise<PlanningResponse> {
  const minCoverage = o.minCoverage ?? MIN_COVERAGE;
  const rooms = await roomFacts(o.registry, o.scope);
  const range = { from: o.from, to: o.to, schoolIds: o.scope ? [...new Set(rooms.map((r) => r.schoolId))] : undefined };
  const edges = await pendingDays({ registry: o.registry, store: o.store, scope: o.scope, now: o.now });
  const { totals, pending } = await edges.settle(range, await o.store.roomTotals(range));
  const hours = await o.store.deviceHours(range);
  const schools = await schoolFacts(o.registry, o.scope);
  const rows = roomRows(rooms, totals, hours, daysBetween(o.from, o.to), minCoverage).map((r) => ({ ...r, status: pendingStatus(r.status, pending.get(r.room.roomId)) }));
  const ranking = rankSchools(schools, rows, o.rooms, localDate(o.now));
  return {
    rooms: o.rooms, unitCostVnd: SMART_CLASSROOM_VND, budgetVnd: o.rooms * SMART_CLASSROOM_VND, from: o.from, to: o.to,
    ranking: ranking.map((r) => ({
      rank: r.rank, schoolId: r.school.schoolId, schoolName: r.school.schoolName, districtName: r.school.districtName, pupils: r.school.pupils,
      score: r.score, utilisation: r.utilisation, smartRooms: r.smartRooms, pupilsPerSmartRoom: r.pupilsPerSmartRoom,
      yearsSinceInvestment: r.yearsSinceInvestment, reasons: r.reasons, funded: r.funded,
    })),
    insufficientData: insufficientData(schools, rows).map((x) => ({
      schoolId: x.school.schoolId, schoolName: x.school.schoolName, districtName: x.school.districtName, coverage: x.coverage, rooms: x.rooms,
      pendingRooms: x.pendingRooms,
    })),
    minCoverage,
    equipment: await equipmentAttention(o.registry, o.scope, localDate(o.now), o.now),
  };
}
