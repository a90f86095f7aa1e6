import type { UsageGroupRow, WallAlerts, WallDevices, WallDistrict, WallFigures, WallKpi, WallResponse, WallUsage } from '../../api/index.js';
import type { User } from '../../registry/index.js';
import { addDays, isoWeekday, localDate } from '../../timetable/index.js';
import { usageReport } from '../../usage/report.js';
import type { DashboardDeps } from './deps.js';
import { computeKpi, KPI_TARGETS } from './kpi.js';
import { userScope } from './scope.js';

/**
 * The room use of the week and the records KPI change when the nightly analysis runs or a register is edited, not
 * between two polls of a wall: they are computed at most once a minute per scope and process, and every wall of
 * that scope shares the answer. Presence and open alerts are read on every request (a few GROUP BY rows).
 */
export const WALL_SLOW_MS = 60_000;
/** Scopes remembered at once (a province has a few dozen districts; each wall token has one scope). */
const MAX_SCOPES = 200;

interface Slow {
  at: number;
  week: { from: string; to: string };
  usage: Map<string, UsageGroupRow>;
  usageTotal: UsageGroupRow | undefined;
  kpi: Map<string, WallKpi>;
  kpiTotal: WallKpi;
}

/** A district's key in the maps: its id, or 'so' for the schools under the Sở (as the usage report keys them). */
const keyOf = (districtId: number | null): string => (districtId === null ? 'so' : String(districtId));
const zeroDevices = (): WallDevices => ({ total: 0, online: 0, sleep: 0, offline: 0, never: 0 });
const zeroAlerts = (): WallAlerts => ({ critical: 0, warning: 0 });
const NO_KPI: WallKpi = { devices: 0, withRecord: 0, recordShare: null };

/**
 * The week's use of a group, or null where no timetabled hour of it was covered by analysed data: the analysis has not
 * run for these days yet, or the devices said nothing. The wall says "chưa có dữ liệu" then, never 0 %.
 */
export function wallUsage(g: UsageGroupRow | undefined): WallUsage {
  if (!g || !(g.figures.coveredHours > 0)) return null;
  const f = g.figures;
  return {
    rooms: g.rooms, timeUtilisation: f.timeUtilisation, periodUtilisation: f.periodUtilisation, coverage: f.coverage, usedHours: f.usedHours,
    underused: g.underused, saturated: g.saturated,
  };
}

/** This week in Asia/Ho_Chi_Minh as local days [Monday, tomorrow). */
export function wallWeek(now: number): { from: string; to: string } {
  const today = localDate(now);
  return { from: addDays(today, 1 - isoWeekday(today)), to: addDays(today, 1) };
}

/**
 * The operations-centre wall's answer (GET /api/wall; docs/integration.md, "The operations-centre wall"): devices by
 * presence and open alerts by severity per district from the registry's shared state (the fleet-health screen's
 * numbers, the same from every dashboard process), the week's room use from the usage report and the records KPI
 * from the KPI page's computation, all within the caller's scope.
 */
export class WallService {
  /** Per scope: when the figures were asked for, for which week (its Monday), and the computation. */
  private readonly slow = new Map<string, { at: number; week: string; value: Promise<Slow> }>();

  constructor(private readonly deps: Pick<DashboardDeps, 'registry' | 'usageStore' | 'usage' | 'config' | 'clock'>) {}

  async read(user: User): Promise<WallResponse> {
    const scope = userScope(user);
    const now = this.deps.clock.now();
    const { wall } = this.deps.registry;
    const [places, presence, alerts, slow] = await Promise.all([wall.districts(scope), wall.presence(scope), wall.openAlerts(scope), this.slowFigures(user, now)]);
    const devices = new Map<string, WallDevices>();
    const open = new Map<string, WallAlerts>();
    const province = { devices: zeroDevices(), alerts: zeroAlerts() };
    for (const r of presence) {
      let d = devices.get(keyOf(r.districtId));
      if (!d) devices.set(keyOf(r.districtId), (d = zeroDevices()));
      for (const t of [d, province.devices]) {
        t.total += r.n;
        t[r.presence] += r.n;
      }
    }
    for (const r of alerts) {
      let a = open.get(keyOf(r.districtId));
      if (!a) open.set(keyOf(r.districtId), (a = zeroAlerts()));
      a[r.severity] += r.n;
      province.alerts[r.severity] += r.n;
    }
    const districts: WallDistrict[] = places.map((p) => {
      const k = keyOf(p.districtId);
      const figures: WallFigures = {
        devices: devices.get(k) ?? zeroDevices(), alerts: open.get(k) ?? zeroAlerts(), usage: wallUsage(slow.usage.get(k)), kpi: slow.kpi.get(k) ?? NO_KPI,
      };
      return { districtId: p.districtId, name: p.name, figures };
    });
    // By name as people know them; the schools under the Sở last.
    districts.sort((a, b) => (a.name === null ? 1 : b.name === null ? -1 : a.name.localeCompare(b.name, 'vi')));
    const year = Number(localDate(now).slice(0, 4));
    const target = KPI_TARGETS.find((t) => t.year >= year) ?? null;
    return {
      scoped: scope !== undefined,
      province: { ...province, usage: wallUsage(slow.usageTotal), kpi: slow.kpiTotal },
      districts,
      week: slow.week,
      kpiTarget: target && { year: target.year, share: target.share },
      slowAt: slow.at,
      generatedAt: now,
    };
  }

  /** The room use and the KPI of `user`'s scope, computed at most once a minute (one computation shared while it runs). */
  private slowFigures(user: User, now: number): Promise<Slow> {
    const scope = userScope(user);
    const key = scope ? JSON.stringify([[...(scope.districtIds ?? [])].sort(), [...(scope.schoolIds ?? [])].sort()]) : 'province';
    const week = wallWeek(now);
    const hit = this.slow.get(key);
    if (hit && hit.at > now - WALL_SLOW_MS && hit.week === week.from) return hit.value;
    const entry = { at: now, week: week.from, value: this.compute(user, now, week) };
    this.slow.delete(key);
    if (this.slow.size >= MAX_SCOPES) this.slow.delete(this.slow.keys().next().value!);
    this.slow.set(key, entry);
    // A failed computation is not kept: the next request tries again.
    entry.value.catch(() => { if (this.slow.get(key) === entry) this.slow.delete(key); });
    return entry.value;
  }

  private async compute(user: User, now: number, week: { from: string; to: string }): Promise<Slow> {
    const { registry, usageStore, usage, config } = this.deps;
    const [report, kpi] = await Promise.all([
      usageReport({ registry, store: usageStore, queries: usage, scope: userScope(user), ...week, now, minCoverage: config.usage.minCoverage }),
      // Only the records share is shown: the live share's lookup is not made.
      computeKpi(user, registry, () => Promise.resolve(undefined), now),
    ]);
    const pick = (f: WallKpi): WallKpi => ({ devices: f.devices, withRecord: f.withRecord, recordShare: f.recordShare });
    return {
      at: now, week,
      usage: new Map(report.districts.map((d): [string, UsageGroupRow] => [d.key, d])), usageTotal: report.total,
      kpi: new Map(kpi.districts.map((d): [string, WallKpi] => [keyOf(d.districtId), pick(d.figures)])), kpiTotal: pick(kpi.province),
    };
  }
}
