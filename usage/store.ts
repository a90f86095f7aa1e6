/**
 * The report store: the usage rollups again, in SQLite (dataDir/usage.sqlite), shaped for reports. InfluxDB keeps the
 * intervals and the hourly and daily rollups for years, but InfluxDB 1.x sums about 400,000 points a second: a
 * province-wide school year (6,000 rooms × 200 days) takes seconds per query there (docs/benchmarks.md). Here the
 * analyser writes each analysed day per room and per school, and folds them into months and weeks, so a report over
 * any window reads whole months from the month tables and only the days at its edges from the day tables.
 * It is derived data: `edufleet usage analyse` rebuilds it from the raw readings.
 */
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from '../lib/sqlite.js';
import { addDays } from '../timetable/index.js';
import type { UsageTotals } from './utilisation.js';

export interface RoomDay { room: number; school: number; totals: UsageTotals }
export interface HeatCell { school: number; weekday: number; slot: string; used: number; available: number }
export interface DeviceDay { device: string; school: number; activeMin: number }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS room_day (room INTEGER NOT NULL, day TEXT NOT NULL, school INTEGER NOT NULL,
  tt REAL NOT NULL, used REAL NOT NULL, periods INTEGER NOT NULL, periods_used INTEGER NOT NULL, outside REAL NOT NULL, PRIMARY KEY (room, day));
CREATE INDEX IF NOT EXISTS room_day_day ON room_day (day, school);
CREATE TABLE IF NOT EXISTS room_month (room INTEGER NOT NULL, month TEXT NOT NULL, school INTEGER NOT NULL,
  tt REAL NOT NULL, used REAL NOT NULL, periods INTEGER NOT NULL, periods_used INTEGER NOT NULL, outside REAL NOT NULL, PRIMARY KEY (room, month));
CREATE INDEX IF NOT EXISTS room_month_month ON room_month (month, school);
CREATE TABLE IF NOT EXISTS school_week (school INTEGER NOT NULL, week TEXT NOT NULL,
  tt REAL NOT NULL, used REAL NOT NULL, periods INTEGER NOT NULL, periods_used INTEGER NOT NULL, outside REAL NOT NULL, PRIMARY KEY (school, week));
CREATE TABLE IF NOT EXISTS heat_day (school INTEGER NOT NULL, day TEXT NOT NULL, weekday INTEGER NOT NULL, slot TEXT NOT NULL,
  used INTEGER NOT NULL, available INTEGER NOT NULL, PRIMARY KEY (school, day, slot));
CREATE INDEX IF NOT EXISTS heat_day_day ON heat_day (day);
CREATE TABLE IF NOT EXISTS heat_month (school INTEGER NOT NULL, month TEXT NOT NULL, weekday INTEGER NOT NULL, slot TEXT NOT NULL,
  used INTEGER NOT NULL, available INTEGER NOT NULL, PRIMARY KEY (school, month, weekday, slot));
CREATE TABLE IF NOT EXISTS device_day (device TEXT NOT NULL, day TEXT NOT NULL, school INTEGER NOT NULL, active_min REAL NOT NULL, PRIMARY KEY (device, day));
CREATE INDEX IF NOT EXISTS device_day_day ON device_day (day);
CREATE TABLE IF NOT EXISTS device_month (device TEXT NOT NULL, month TEXT NOT NULL, school INTEGER NOT NULL, active_min REAL NOT NULL, PRIMARY KEY (device, month));
`;

const TOTALS = 'sum(tt) AS tt, sum(used) AS used, sum(periods) AS p, sum(periods_used) AS pu, sum(outside) AS o';
type TotalsRow = { tt: number; used: number; p: number; pu: number; o: number };
const toTotals = (r: TotalsRow): UsageTotals => ({ timetabledMin: r.tt ?? 0, inUseTimetabledMin: r.used ?? 0, periodsAvailable: r.p ?? 0, periodsUsed: r.pu ?? 0, outsideMin: r.o ?? 0 });

/** First day of the month after `month` (yyyy-mm). */
const nextMonthStart = (month: string) => {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
};
/** Monday (local date) of the week a local date is in. */
export function weekOf(date: string): string {
  const wd = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((wd + 6) % 7));
}

/** Whole months inside [from, to) and the days left at the edges. */
export function splitWindow(from: string, to: string): { months: string[]; edges: [string, string][] } {
  const months: string[] = [];
  let firstFull = from.slice(8) === '01' ? from : nextMonthStart(from.slice(0, 7));
  let cursor = firstFull;
  while (nextMonthStart(cursor.slice(0, 7)) <= to) {
    months.push(cursor.slice(0, 7));
    cursor = nextMonthStart(cursor.slice(0, 7));
  }
  if (!months.length) return { months, edges: [[from, to]] };
  firstFull = `${months[0]}-01`;
  const edges: [string, string][] = [];
  if (from < firstFull) edges.push([from, firstFull]);
  if (cursor < to) edges.push([cursor, to]);
  return { months, edges };
}

export class UsageStore {
  readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.exec(SCHEMA);
  }

  static inDataDir(dataDir: string): UsageStore {
    return new UsageStore(path.join(dataDir, 'usage.sqlite'));
  }

  close(): void { this.db.close(); }

  /** Replaces one local day (every room, school and device of it) and refolds its month and week. */
  replaceDay(day: string, rooms: RoomDay[], heat: (HeatCell & { weekday: number })[], devices: DeviceDay[]): void {
    const month = day.slice(0, 7);
    const monthEnd = nextMonthStart(month);
    const week = weekOf(day);
    const weekEnd = addDays(week, 7);
    this.db.transaction(() => {
      for (const t of ['room_day', 'heat_day', 'device_day']) this.db.prepare(`DELETE FROM ${t} WHERE day = ?`).run(day);
      const r = this.db.prepare('INSERT INTO room_day (room, day, school, tt, used, periods, periods_used, outside) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      for (const x of rooms) r.run(x.room, day, x.school, x.totals.timetabledMin, x.totals.inUseTimetabledMin, x.totals.periodsAvailable, x.totals.periodsUsed, x.totals.outsideMin);
      const h = this.db.prepare('INSERT INTO heat_day (school, day, weekday, slot, used, available) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (school, day, slot) DO UPDATE SET used = used + excluded.used, available = available + excluded.available');
      for (const x of heat) h.run(x.school, day, x.weekday, x.slot, x.used, x.available);
      const d = this.db.prepare('INSERT INTO device_day (device, day, school, active_min) VALUES (?, ?, ?, ?)');
      for (const x of devices) d.run(x.device, day, x.school, x.activeMin);
      // Refold the month and the week from their days.
      this.db.prepare('DELETE FROM room_month WHERE month = ?').run(month);
      this.db.prepare(`INSERT INTO room_month (room, month, school, tt, used, periods, periods_used, outside)
        SELECT room, ?, school, ${TOTALS} FROM room_day WHERE day >= ? AND day < ? GROUP BY room`).run(month, `${month}-01`, monthEnd);
      this.db.prepare('DELETE FROM school_week WHERE week = ?').run(week);
      this.db.prepare(`INSERT INTO school_week (school, week, tt, used, periods, periods_used, outside)
        SELECT school, ?, ${TOTALS} FROM room_day WHERE day >= ? AND day < ? GROUP BY school`).run(week, week, weekEnd);
      this.db.prepare('DELETE FROM heat_month WHERE month = ?').run(month);
      this.db.prepare(`INSERT INTO heat_month (school, month, weekday, slot, used, available)
        SELECT school, ?, weekday, slot, sum(used), sum(available) FROM heat_day WHERE day >= ? AND day < ? GROUP BY school, weekday, slot`).run(month, `${month}-01`, monthEnd);
      this.db.prepare('DELETE FROM device_month WHERE month = ?').run(month);
      this.db.prepare(`INSERT INTO device_month (device, month, school, active_min)
        SELECT device, ?, school, sum(active_min) FROM device_day WHERE day >= ? AND day < ? GROUP BY device`).run(month, `${month}-01`, monthEnd);
    })();
  }

  /** `school IN (…)` for a scope (undefined: every school). */
  private schools(schoolIds: number[] | undefined, params: unknown[], col = 'school'): string {
    if (!schoolIds) return '1=1';
    if (!schoolIds.length) return '0=1';
    params.push(...schoolIds);
    return `${col} IN (${schoolIds.map(() => '?').join(',')})`;
  }

  /** Sums `select` over [from, to): whole months from `monthTable`, edge days from `dayTable`; rows keyed by `key`. */
  private windowed<T>(o: { from: string; to: string; schoolIds?: number[]; dayTable: string; monthTable: string; select: string; key: string; extraWhere?: string; extraParams?: unknown[] }): T[] {
    const { months, edges } = splitWindow(o.from, o.to);
    const parts: string[] = [];
    const params: unknown[] = [];
    if (months.length) {
      const p: unknown[] = [];
      const sc = this.schools(o.schoolIds, p);
      parts.push(`SELECT * FROM ${o.monthTable} WHERE month >= ? AND month <= ? AND ${sc}${o.extraWhere ?? ''}`);
      params.push(months[0], months.at(-1), ...p, ...(o.extraParams ?? []));
    }
    for (const [a, b] of edges) {
      const p: unknown[] = [];
      const sc = this.schools(o.schoolIds, p);
      parts.push(`SELECT * FROM ${o.dayTable} WHERE day >= ? AND day < ? AND ${sc}${o.extraWhere ?? ''}`);
      params.push(a, b, ...p, ...(o.extraParams ?? []));
    }
    // Month and day tables have the same value columns; the union is summed per key.
    return this.db.prepare(`SELECT ${o.key}, ${o.select} FROM (${parts.map((q) => q.replace('SELECT *', `SELECT ${o.key.split(',').map((k) => k.trim()).join(', ')}, ${VALUE_COLUMNS[o.dayTable]}`)).join(' UNION ALL ')}) GROUP BY ${o.key}`).all(...params) as T[];
  }

  /** Totals per room over local days [from, to). */
  roomTotals(r: { from: string; to: string; schoolIds?: number[] }): Map<number, UsageTotals> {
    const rows = this.windowed<TotalsRow & { room: number }>({ ...r, dayTable: 'room_day', monthTable: 'room_month', select: TOTALS, key: 'room' });
    return new Map(rows.map((x) => [x.room, toTotals(x)]));
  }

  /** Totals per week (Monday, local) over the schools in scope. */
  weeks(r: { from: string; to: string; schoolIds?: number[] }): { week: string; totals: UsageTotals }[] {
    const params: unknown[] = [weekOf(r.from), r.to];
    const sc = this.schools(r.schoolIds, params);
    return (this.db.prepare(`SELECT week, ${TOTALS} FROM school_week WHERE week >= ? AND week < ? AND ${sc} GROUP BY week ORDER BY week`).all(...params) as (TotalsRow & { week: string })[])
      .map((x) => ({ week: x.week, totals: toTotals(x) }));
  }

  /** Weekday × period over the schools in scope. */
  heatmap(r: { from: string; to: string; schoolIds?: number[] }): { weekday: number; slot: string; used: number; available: number }[] {
    return this.windowed<{ weekday: number; slot: string; used: number; available: number }>({ ...r, dayTable: 'heat_day', monthTable: 'heat_month', select: 'sum(used) AS used, sum(available) AS available', key: 'weekday, slot' });
  }

  /** Hours each device was active. */
  deviceHours(r: { from: string; to: string; schoolIds?: number[] }): Map<string, number> {
    const rows = this.windowed<{ device: string; m: number }>({ ...r, dayTable: 'device_day', monthTable: 'device_month', select: 'sum(active_min) AS m', key: 'device' });
    return new Map(rows.map((x) => [x.device, x.m / 60]));
  }
}

/** The value columns each day table shares with its month table. */
const VALUE_COLUMNS: Record<string, string> = {
  room_day: 'school, tt, used, periods, periods_used, outside',
  heat_day: 'school, used, available',
  device_day: 'school, active_min',
};
