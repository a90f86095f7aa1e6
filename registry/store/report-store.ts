/**
 * The report store: the usage rollups again, shaped for reports (its own usage.sqlite on SQLite, the same database
 * on PostgreSQL). The analyser writes each analysed day per room, school and device and folds them into months and
 * weeks, so a report over any window reads whole months and only the days at its edges. It is derived data:
 * `edufleet usage analyse` rebuilds it. Same methods as the old usage/store.ts UsageStore, async.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { addDays } from '../../timetable/calendar.js';
import { nextMonthStart, splitWindow, weekOf } from './report-window.js';
import type { ReportDatabase } from './schema.js';

/** Minutes and periods of use (usage/utilisation.ts UsageTotals, the same shape). */
export interface ReportTotals { timetabledMin: number; inUseTimetabledMin: number; periodsAvailable: number; periodsUsed: number; outsideMin: number; coveredMin?: number; periodsUncovered?: number }
export interface RoomDay { room: number; school: number; totals: ReportTotals }
export interface HeatCell { school: number; weekday: number; slot: string; used: number; available: number }
export interface DeviceDay { device: string; school: number; activeMin: number }
export interface ReportWindow { from: string; to: string; schoolIds?: number[] }

const TOTALS_SQL = 'sum(tt) AS tt, sum(used) AS used, sum(periods) AS p, sum(periods_used) AS pu, sum(outside) AS o, sum(covered) AS c, sum(periods_uncovered) AS pn';
const TOTALS = sql.raw(TOTALS_SQL);
type TotalsRow = { tt: unknown; used: unknown; p: unknown; pu: unknown; o: unknown; c: unknown; pn: unknown };
const toTotals = (r: TotalsRow): ReportTotals => ({
  timetabledMin: Number(r.tt ?? 0), inUseTimetabledMin: Number(r.used ?? 0), periodsAvailable: Number(r.p ?? 0), periodsUsed: Number(r.pu ?? 0), outsideMin: Number(r.o ?? 0),
  coveredMin: Number(r.c ?? 0), periodsUncovered: Number(r.pn ?? 0),
});
/** The value columns each day table shares with its month table. */
const VALUE_COLUMNS = { room_day: 'school, tt, used, periods, periods_used, outside, covered, periods_uncovered', heat_day: 'school, used, available', device_day: 'school, active_min' } as const;

/** `school IN (…)` for a scope (undefined: every school; empty: none). */
const inSchools = (ids: number[] | undefined): RawBuilder<unknown> => (!ids ? sql`1 = 1` : !ids.length ? sql`1 = 0` : sql`school IN (${sql.join(ids)})`);

export class ReportStore {
  constructor(private readonly db: Kysely<ReportDatabase>) {}

  /** Replaces one local day (every room, school and device of it) and refolds its month and week. */
  async replaceDay(day: string, rooms: RoomDay[], heat: HeatCell[], devices: DeviceDay[]): Promise<void> {
    const month = day.slice(0, 7);
    const [mFrom, mTo] = [`${month}-01`, nextMonthStart(month)];
    const week = weekOf(day);
    // Rooms of one school share heat cells: summed here, as the old per-row upsert did.
    const cells = new Map<string, HeatCell>();
    for (const h of heat) {
      const k = `${h.school}|${h.slot}`;
      const c = cells.get(k);
      if (c) { c.used += h.used; c.available += h.available; } else cells.set(k, { ...h });
    }
    await this.db.transaction().execute(async (t) => {
      for (const table of ['room_day', 'heat_day', 'device_day'] as const) await t.deleteFrom(table).where('day', '=', day).execute();
      const insert = async <R>(rows: R[], write: (batch: R[]) => Promise<unknown>) => { for (let i = 0; i < rows.length; i += 1000) await write(rows.slice(i, i + 1000)); };
      await insert(rooms, (b) => t.insertInto('room_day').values(b.map((x) => ({ room: x.room, day, school: x.school, tt: x.totals.timetabledMin,
        used: x.totals.inUseTimetabledMin, periods: x.totals.periodsAvailable, periods_used: x.totals.periodsUsed, outside: x.totals.outsideMin,
        covered: x.totals.coveredMin ?? x.totals.timetabledMin, periods_uncovered: x.totals.periodsUncovered ?? 0 }))).execute());
      await insert([...cells.values()], (b) => t.insertInto('heat_day').values(b.map((x) => ({ school: x.school, day, weekday: x.weekday, slot: x.slot, used: x.used, available: x.available }))).execute());
      await insert(devices, (b) => t.insertInto('device_day').values(b.map((x) => ({ device: x.device, day, school: x.school, active_min: x.activeMin }))).execute());
      await t.deleteFrom('room_month').where('month', '=', month).execute();
      await sql`INSERT INTO room_month (room, month, school, tt, used, periods, periods_used, outside, covered, periods_uncovered)
        SELECT room, ${month}, max(school), ${TOTALS} FROM room_day WHERE day >= ${mFrom} AND day < ${mTo} GROUP BY room`.execute(t);
      await t.deleteFrom('school_week').where('week', '=', week).execute();
      await sql`INSERT INTO school_week (school, week, tt, used, periods, periods_used, outside, covered, periods_uncovered)
        SELECT school, ${week}, ${TOTALS} FROM room_day WHERE day >= ${week} AND day < ${addDays(week, 7)} GROUP BY school`.execute(t);
      await t.deleteFrom('heat_month').where('month', '=', month).execute();
      await sql`INSERT INTO heat_month (school, month, weekday, slot, used, available)
        SELECT school, ${month}, weekday, slot, sum(used), sum(available) FROM heat_day WHERE day >= ${mFrom} AND day < ${mTo} GROUP BY school, weekday, slot`.execute(t);
      await t.deleteFrom('device_month').where('month', '=', month).execute();
      await sql`INSERT INTO device_month (device, month, school, active_min)
        SELECT device, ${month}, max(school), sum(active_min) FROM device_day WHERE day >= ${mFrom} AND day < ${mTo} GROUP BY device`.execute(t);
    });
  }

  /**
   * Notes that data for these local days arrived after they were analysed (a device's backlog): the usage loop
   * analyses them again. A day noted again moves its mark forward, so an analysis that started before it does not
   * clear it.
   */
  async markDirtyDays(days: string[], at: number): Promise<void> {
    if (!days.length) return;
    await this.db.insertInto('usage_dirty_days').values(days.map((day) => ({ day, marked_at: at })))
      .onConflict((oc) => oc.column('day').doUpdateSet((eb) => ({ marked_at: eb.ref('excluded.marked_at') }))).execute();
  }

  /** Days waiting to be analysed again, oldest first, with when late data last reached each. */
  async dirtyDays(): Promise<{ day: string; markedAt: number }[]> {
    const rows = await this.db.selectFrom('usage_dirty_days').select(['day', 'marked_at']).orderBy('day').execute();
    return rows.map((r) => ({ day: r.day, markedAt: Number(r.marked_at) }));
  }

  /** Clears a day's mark unless late data reached it again after `markedBefore`. */
  async clearDirtyDay(day: string, markedBefore: number): Promise<void> {
    await this.db.deleteFrom('usage_dirty_days').where('day', '=', day).where('marked_at', '<=', markedBefore).execute();
  }

  /** Sums `select` over [from, to): whole months from the month table, edge days from the day table; rows keyed by `key`. */
  private async windowed<T>(w: ReportWindow, dayTable: keyof typeof VALUE_COLUMNS, select: string, key: string): Promise<T[]> {
    const { months, edges } = splitWindow(w.from, w.to);
    const cols = sql.raw(`${key}, ${VALUE_COLUMNS[dayTable]}`);
    const monthTable = sql.table(dayTable.replace('_day', '_month'));
    const parts: RawBuilder<unknown>[] = [];
    if (months.length) parts.push(sql`SELECT ${cols} FROM ${monthTable} WHERE month >= ${months[0]} AND month <= ${months.at(-1)} AND ${inSchools(w.schoolIds)}`);
    for (const [a, b] of edges) parts.push(sql`SELECT ${cols} FROM ${sql.table(dayTable)} WHERE day >= ${a} AND day < ${b} AND ${inSchools(w.schoolIds)}`);
    const { rows } = await sql<T>`SELECT ${sql.raw(key)}, ${sql.raw(select)} FROM (${sql.join(parts, sql` UNION ALL `)}) AS u GROUP BY ${sql.raw(key)}`.execute(this.db);
    return rows;
  }

  /** Totals per room over local days [from, to). */
  async roomTotals(r: ReportWindow): Promise<Map<number, ReportTotals>> {
    const rows = await this.windowed<TotalsRow & { room: number }>(r, 'room_day', TOTALS_SQL, 'room');
    return new Map(rows.map((x) => [Number(x.room), toTotals(x)]));
  }

  /** Totals per week (Monday, local) over the schools in scope. */
  async weeks(r: ReportWindow): Promise<{ week: string; totals: ReportTotals }[]> {
    const { rows } = await sql<TotalsRow & { week: string }>`SELECT week, ${TOTALS} FROM school_week
      WHERE week >= ${weekOf(r.from)} AND week < ${r.to} AND ${inSchools(r.schoolIds)} GROUP BY week ORDER BY week`.execute(this.db);
    return rows.map((x) => ({ week: x.week, totals: toTotals(x) }));
  }

  /** Weekday × period over the schools in scope. */
  async heatmap(r: ReportWindow): Promise<{ weekday: number; slot: string; used: number; available: number }[]> {
    const rows = await this.windowed<{ weekday: number; slot: string; used: unknown; available: unknown }>(r, 'heat_day', 'sum(used) AS used, sum(available) AS available', 'weekday, slot');
    return rows.map((x) => ({ weekday: Number(x.weekday), slot: x.slot, used: Number(x.used), available: Number(x.available) }));
  }

  /** Hours each device was active. */
  async deviceHours(r: ReportWindow): Promise<Map<string, number>> {
    const rows = await this.windowed<{ device: string; m: unknown }>(r, 'device_day', 'sum(active_min) AS m', 'device');
    return new Map(rows.map((x) => [x.device, Number(x.m) / 60]));
  }
}
