/**
 * Days still expected from an edge node (docs/usage.md, "Pending: data still expected from an edge"). An edge at a
 * school with no network (or a cut link) holds its site's readings until they travel up; the days after its "data
 * complete until" are neither idle nor "không đủ dữ liệu" but **pending** ("đang chờ dữ liệu từ máy trạm biên"):
 * left out of the room's figures, counted apart, and judged once the data is in (applying it marks the days for
 * re-analysis, edge/apply.ts). This is the one place the usage report learns about edges.
 */
import type { RegistryStore, ReportStore, ReportWindow, Scope } from '../registry/index.js';
import { vnDay } from '../lib/vn/time.js';
import { localMidnight } from '../timetable/index.js';
import { ZERO_TOTALS, type UsageTotals } from './utilisation.js';

/** An edge whose data is complete up to this close to now is as current as a school online (the usage loop's settle time). */
export const PENDING_GRACE_MS = 10 * 60_000;

/**
 * Per site with an edge whose data is not complete: the first local day (yyyy-mm-dd, Asia/Ho_Chi_Minh) not wholly
 * at the province, i.e. the day of its "data complete until" (of the most behind of the site's edges). An edge never
 * heard from is pending since it was registered; a revoked edge is expected no more.
 */
export async function pendingSince(registry: Pick<RegistryStore, 'edges'>, now: number): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const e of await registry.edges.list()) {
    if (e.revokedAt !== null) continue;
    const until = e.lastReport?.completeUntil ?? e.createdAt;
    if (now - until <= PENDING_GRACE_MS) continue;
    const day = vnDay(until);
    const had = out.get(e.siteId);
    if (!had || day < had) out.set(e.siteId, day);
  }
  return out;
}

interface RoomSite { siteId: number; schoolId: number }

/** A room's pending stretch of a window: from `since` (within the window) to its end, `days` days. */
export interface RoomPending { since: string; days: number }

const daysBetween = (from: string, to: string) => Math.round((localMidnight(to) - localMidnight(from)) / 86_400_000);

/** A room still expecting days from its edge that cannot be judged on what has arrived is waiting, not lacking data. */
export const pendingStatus = <S extends string>(status: S, pending: RoomPending | undefined): S | 'pending' =>
  pending && (status === 'no_data' || status === 'no_timetable') ? 'pending' : status;

/** Takes the pending days out of rooms' totals over a window (the report's, the flag window, the planner's). */
export interface PendingDays {
  settle(window: ReportWindow, totals: Map<number, UsageTotals>): Promise<{ totals: Map<number, UsageTotals>; pending: Map<number, RoomPending> }>;
}

/** The pending days of the rooms in `scope` as of `now`; reads the rooms' sites only when some site has an edge behind. */
export async function pendingDays(o: {
  registry: Pick<RegistryStore, 'edges' | 'rooms'>; store: Pick<ReportStore, 'roomTotals'>; scope: Scope | undefined; now: number;
}): Promise<PendingDays> {
  const sites = await pendingSince(o.registry, o.now);
  const roomSites = sites.size ? new Map((await o.registry.rooms(o.scope)).map((r) => [r.id, { siteId: r.siteId, schoolId: r.schoolId }])) : new Map<number, RoomSite>();
  return { settle: (window, totals) => withoutPending({ store: o.store, window, totals, roomSites, sites }) };
}

/**
 * The rooms' totals over the window without their pending days, and each such room's pending stretch. Rooms of one
 * pending day share one query of their complete days; a room pending since before the window has no complete day.
 */
async function withoutPending(o: {
  store: Pick<ReportStore, 'roomTotals'>; window: ReportWindow; totals: Map<number, UsageTotals>;
  roomSites: ReadonlyMap<number, RoomSite>; sites: ReadonlyMap<number, string>;
}): Promise<{ totals: Map<number, UsageTotals>; pending: Map<number, RoomPending> }> {
  const { window: w } = o;
  const byDay = new Map<string, number[]>();
  const pending = new Map<number, RoomPending>();
  for (const [roomId, { siteId, schoolId }] of o.roomSites) {
    if (w.schoolIds && !w.schoolIds.includes(schoolId)) continue;
    const day = o.sites.get(siteId);
    if (!day || day >= w.to) continue;
    const since = day > w.from ? day : w.from;
    pending.set(roomId, { since, days: daysBetween(since, w.to) });
    const list = byDay.get(since);
    if (list) list.push(roomId);
    else byDay.set(since, [roomId]);
  }
  if (!pending.size) return { totals: o.totals, pending };
  const totals = new Map(o.totals);
  for (const [since, rooms] of byDay) {
    // Only the schools of these rooms: a province report with many edges behind stays a few small queries.
    const schoolIds = [...new Set(rooms.map((id) => o.roomSites.get(id)!.schoolId))];
    const complete = since > w.from ? await o.store.roomTotals({ ...w, to: since, schoolIds }) : new Map<number, UsageTotals>();
    for (const id of rooms) totals.set(id, complete.get(id) ?? ZERO_TOTALS);
  }
  return { totals, pending };
}
