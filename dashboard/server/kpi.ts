import type { LiveLookup } from '../../gateway/live-store.js';
import type { KpiRow, RegistryStore, User } from '../../registry/index.js';
import type { KpiFigures, KpiResponse } from '../../api/index.js';
import { isPastServiceLife } from '../../registry/service-life.js';
import { localDate } from '../../timetable/calendar.js';
import { maySee, userScope } from './scope.js';

/** The provincial plans' target: 80 % of equipment managed by digital records by 2025, 100 % by 2030. */
export const KPI_TARGETS = [{ year: 2025, share: 0.8 }, { year: 2030, share: 1 }] as const;

/** A device counts as live when something came from it in this window. */
export const LIVE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** One row of the KPI query: a school, and one of its non-retired devices (or none, for a school without devices). */
export type { KpiRow };

/** The day in Asia/Ho_Chi_Minh, yyyy-mm-dd (the calendar's one conversion). */
export const vnToday = localDate;

const present = (s: string | null): boolean => s !== null && s.trim() !== '';

/**
 * The definition of a COMPLETE digital record (Decision 131 "managed by digital records": what, where, since when,
 * what it cost): a device code, a kind, a room, a model or a serial, a date put into service and a purchase cost.
 */
export function hasCompleteRecord(r: Pick<KpiRow, 'code' | 'kind' | 'roomId' | 'model' | 'serial' | 'inServiceDate' | 'costVnd'>): boolean {
  return present(r.code) && present(r.kind) && r.roomId !== null && (present(r.model) || present(r.serial))
    && present(r.inServiceDate) && r.costVnd !== null;
}

export { isPastServiceLife };

const share = (n: number, of: number): number | null => (of === 0 ? null : n / of);

interface Tally { devices: number; withRecord: number; connected: number; live24h: number; pastLife: number; inRepair: number }
const tally = (): Tally => ({ devices: 0, withRecord: 0, connected: 0, live24h: 0, pastLife: 0, inRepair: 0 });

function figures(t: Tally): KpiFigures {
  return {
    ...t,
    recordShare: share(t.withRecord, t.devices),
    liveShare: share(t.live24h, t.connected),
    pastLifeShare: share(t.pastLife, t.devices),
    repairShare: share(t.inRepair, t.devices),
  };
}

/** Every school in scope with its non-retired devices: one query. */
export function kpiRows(registry: RegistryStore, user: User): Promise<KpiRow[]> {
  return registry.kpiRows(userScope(user));
}

/**
 * The KPI from rows (pure): per school, per district (schools under the Sở grouped with districtId null) and the
 * province. `lastSeen(id)` gives when a device was last heard of (UTC ms) or null.
 */
export function aggregateKpi(rows: readonly KpiRow[], lastSeen: (id: string) => number | null, now: number, scoped = false): KpiResponse {
  const today = vnToday(now);
  const province = tally();
  const schools = new Map<number, { schoolId: number; name: string; districtId: number | null; t: Tally }>();
  const districts = new Map<number | null, { districtId: number | null; name: string | null; t: Tally }>();
  for (const r of rows) {
    let school = schools.get(r.schoolId);
    if (!school) schools.set(r.schoolId, (school = { schoolId: r.schoolId, name: r.schoolName, districtId: r.districtId, t: tally() }));
    let district = districts.get(r.districtId);
    if (!district) districts.set(r.districtId, (district = { districtId: r.districtId, name: r.districtName, t: tally() }));
    if (r.deviceId === null) continue;
    const seen = lastSeen(r.deviceId);
    const live = r.connectable === 1 && seen !== null && now - seen <= LIVE_WINDOW_MS;
    for (const t of [province, school.t, district.t]) {
      t.devices += 1;
      if (hasCompleteRecord(r)) t.withRecord += 1;
      if (r.connectable === 1) t.connected += 1;
      if (live) t.live24h += 1;
      if (isPastServiceLife(r.inServiceDate, r.serviceLifeYears, today)) t.pastLife += 1;
      if (r.state === 'in_repair') t.inRepair += 1;
    }
  }
  const byName = (a: { name: string | null }, b: { name: string | null }): number =>
    a.name === null ? 1 : b.name === null ? -1 : a.name.localeCompare(b.name, 'vi');
  return {
    province: figures(province),
    scoped,
    districts: [...districts.values()].sort(byName).map((d) => ({ districtId: d.districtId, name: d.name, figures: figures(d.t) })),
    schools: [...schools.values()].sort(byName).map((s) => ({ schoolId: s.schoolId, name: s.name, districtId: s.districtId, figures: figures(s.t) })),
    targets: KPI_TARGETS.map((t) => ({ ...t })),
    today,
    generatedAt: now,
  };
}

/** The KPI within what the user may see: one registry query, the scope rule of scope.ts, live state at once (live-lookup.ts). */
export async function computeKpi(user: User, registry: RegistryStore, liveOf: (ids: readonly string[]) => Promise<LiveLookup | undefined>, now: number): Promise<KpiResponse> {
  const rows = (await kpiRows(registry, user)).filter((r) => maySee(user, r));
  // Only devices with credentials can count as live (aggregateKpi): the others' live state is not read.
  const live = await liveOf(rows.flatMap((r) => (r.deviceId !== null && r.connectable === 1 ? [r.deviceId] : [])));
  return aggregateKpi(rows, (id) => live?.get(id)?.lastSeen ?? null, now, userScope(user) !== undefined);
}
