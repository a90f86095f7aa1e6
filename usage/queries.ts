/**
 * Reading the usage rollups back: per-room totals over a date range, the weekday × period heatmap and weekly
 * trends. Every query runs on the daily rollups in the `rollup` retention policy (never on raw readings) and is
 * aggregated inside InfluxDB, so a province-wide year is a few thousand rows, not millions.
 */
import { escape, type InfluxDB } from 'influx';
import { qualified, ROLLUP_RP, type UsageMeasurement } from '../lib/influx/index.js';
import { localMidnight, SESSIONS } from '../timetable/index.js';
import type { UsageTotals } from './utilisation.js';

/** A date range of local days [from, to) and, for scoped users, the schools to include (undefined: all). */
export interface UsageRange { from: string; to: string; schoolIds?: number[] }

/** Heatmap slots a daily rollup can carry: m1…m6, a1…a6, e1…e4. */
export const HEATMAP_SLOTS = SESSIONS.flatMap((s) => Array.from({ length: s === 'evening' ? 4 : 6 }, (_, i) => `${s[0]}${i + 1}`));

/** Covered minutes and uncovered periods when the rollups carry them (days analysed before coverage was measured do not: taken as whole). */
const covered = (row: Record<string, unknown>): { coveredMin?: number; periodsUncovered?: number } => ({
  ...(row.c === null || row.c === undefined ? {} : { coveredMin: Number(row.c) }),
  // Days analysed before periods' coverage was measured have no `periods_uncovered`: their periods count as covered.
  ...(row.pn === null || row.pn === undefined ? {} : { periodsUncovered: Number(row.pn) }),
});

export class UsageQueries {
  constructor(private readonly influx: InfluxDB, private readonly database: string) {}

  private from(measurement: UsageMeasurement): string {
    return qualified(this.database, ROLLUP_RP, measurement);
  }

  /** Callers return early for an empty school list: nothing is in scope. */
  private where(r: UsageRange): string {
    const parts = [`time >= ${localMidnight(r.from)}ms`, `time < ${localMidnight(r.to)}ms`];
    // A regex on the tag keeps one query for any number of schools (InfluxQL has no IN).
    if (r.schoolIds?.length) parts.push(`"school" =~ /^(${r.schoolIds.map((id) => String(Math.trunc(id))).join('|')})$/`);
    return parts.join(' AND ');
  }

  private rooms(roomIds: number[] | undefined): string {
    return roomIds ? ` AND "room" =~ /^(${roomIds.map((id) => String(Math.trunc(id))).join('|')})$/` : '';
  }

  /** Totals per room over the range. */
  async roomTotals(r: UsageRange): Promise<Map<number, UsageTotals>> {
    const out = new Map<number, UsageTotals>();
    if (r.schoolIds && !r.schoolIds.length) return out;
    const rows = await this.influx.query<Record<string, number | string>>(
      `SELECT sum("timetabled_min") AS tt, sum("in_use_tt_min") AS used, sum("periods") AS p, sum("periods_used") AS pu, sum("outside_min") AS o, sum("covered_min") AS c, sum("periods_uncovered") AS pn
       FROM ${this.from('usage_daily')} WHERE ${this.where(r)} GROUP BY "room"`);
    for (const row of rows) {
      out.set(Number(row.room), {
        timetabledMin: Number(row.tt ?? 0), inUseTimetabledMin: Number(row.used ?? 0), periodsAvailable: Number(row.p ?? 0),
        periodsUsed: Number(row.pu ?? 0), outsideMin: Number(row.o ?? 0), ...covered(row),
      });
    }
    return out;
  }

  /** Totals per ISO week (Monday-based, local) over every room in range, for trends. */
  async weeks(r: UsageRange & { roomIds?: number[] }): Promise<{ week: number; totals: UsageTotals }[]> {
    if (r.schoolIds && !r.schoolIds.length) return [];
    // InfluxDB's 7d buckets start on Thursday 1 January 1970 UTC; Monday 00:00 in Vietnam is 3 days 17 hours later.
    const rows = await this.influx.query<Record<string, unknown>>(
      `SELECT sum("timetabled_min") AS tt, sum("in_use_tt_min") AS used, sum("periods") AS p, sum("periods_used") AS pu, sum("outside_min") AS o, sum("covered_min") AS c, sum("periods_uncovered") AS pn
       FROM ${this.from('usage_daily')} WHERE ${this.where(r)}${this.rooms(r.roomIds)} GROUP BY time(7d, 3d17h) fill(none)`, { precision: 'ms' });
    return rows.map((row) => ({ week: (row.time as Date).getTime(), totals: {
      timetabledMin: Number(row.tt ?? 0), inUseTimetabledMin: Number(row.used ?? 0), periodsAvailable: Number(row.p ?? 0),
      periodsUsed: Number(row.pu ?? 0), outsideMin: Number(row.o ?? 0), ...covered(row),
    } }));
  }

  /** Weekday × period: periods used and available, over the range (one room, school, district or all in scope). */
  async heatmap(r: UsageRange & { roomIds?: number[] }): Promise<{ weekday: number; slot: string; used: number; available: number }[]> {
    if (r.schoolIds && !r.schoolIds.length) return [];
    const fields = HEATMAP_SLOTS.map((s) => `sum(${escape.quoted(s)}) AS ${escape.quoted(`u_${s}`)}, count(${escape.quoted(s)}) AS ${escape.quoted(`n_${s}`)}`).join(', ');
    const rows = await this.influx.query<Record<string, unknown>>(`SELECT ${fields} FROM ${this.from('usage_daily')} WHERE ${this.where(r)}${this.rooms(r.roomIds)} GROUP BY "weekday"`);
    const out: { weekday: number; slot: string; used: number; available: number }[] = [];
    for (const row of rows) {
      for (const s of HEATMAP_SLOTS) {
        const available = Number(row[`n_${s}`] ?? 0);
        if (available) out.push({ weekday: Number(row.weekday), slot: s, used: Number(row[`u_${s}`] ?? 0), available });
      }
    }
    return out.sort((a, b) => a.weekday - b.weekday || HEATMAP_SLOTS.indexOf(a.slot) - HEATMAP_SLOTS.indexOf(b.slot));
  }

  /** Hours each device was active over the range. */
  async deviceHours(r: UsageRange): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (r.schoolIds && !r.schoolIds.length) return out;
    const rows = await this.influx.query<Record<string, unknown>>(`SELECT sum("active_min") AS m FROM ${this.from('device_usage_daily')} WHERE ${this.where(r)} GROUP BY "device"`);
    for (const row of rows) out.set(String(row.device), Number(row.m ?? 0) / 60);
    return out;
  }
}
