/**
 * The usage analyser: reads a local day of raw readings from InfluxDB, detects when each room (and each device) was
 * in use, measures it against the school's timetable and writes the results to the `rollup` retention policy:
 * `usage_interval` (each interval of use with its evidence), `usage_hourly` and `usage_daily` per room, and
 * `device_usage_daily` per device; and the same day into the report store (`store.usage`, registry/store/report-store.ts). Analysing a day again
 * replaces what it wrote for that day, so the live loop can analyse "today so far" every few minutes and a backfill
 * can be analysed afterwards.
 */
import { escape, type InfluxDB, type IPoint } from 'influx';
import { RAW_RP, ROLLUP_RP, telemetryMeasurement, USAGE_MEASUREMENTS } from '../lib/influx/index.js';
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import { KINDS, isDeviceKind, type DeviceKind } from '../protocol/index.js';
import type { DeviceDay, HeatCell, RegistryStore, ReportStore, RoomDay } from '../registry/index.js';
import { addDays, localDate, localMidnight, periodSlots, isoWeekday, type PeriodSlot } from '../timetable/index.js';
import { ACTIVE_RULES, roomUse, STALE_MS, type DeviceReading, type RoomDevice } from './detect.js';
import { schoolTerms } from './terms.js';
import { coveredMs, rollup, usageTotals, type Interval, type UsageTotals } from './utilisation.js';

export { USAGE_MEASUREMENTS };

const DAY_MS = 86_400_000;

/** The heatmap slot of a period: session initial and number, e.g. `m3` (tiết 3 buổi sáng), `a1`. */
export const slotKey = (s: Pick<PeriodSlot, 'period'>) => `${s.period.session[0]}${s.period.no}`;

export interface DayResult { date: string; rooms: number; intervals: number; points: number }

const totalsFields = (t: UsageTotals) => ({
  timetabled_min: t.timetabledMin, in_use_tt_min: t.inUseTimetabledMin, periods: t.periodsAvailable, periods_used: t.periodsUsed, outside_min: t.outsideMin,
});

export class UsageAnalyser {
  constructor(private readonly o: { influx: InfluxDB; database: string; registry: RegistryStore; store: ReportStore; log?: Logger; clock: Clock }) {}

  /** Rooms that have devices, with where they are (the analysis covers rooms that can show evidence). */
  private async rooms() {
    return new Map((await this.o.registry.analysisRooms()).map((r) => [r.id, r]));
  }

  /** Readings of [from, to) per room and device, the fields the rules need only. */
  private async readings(from: number, to: number): Promise<Map<number, Map<string, RoomDevice>>> {
    const byRoom = new Map<number, Map<string, RoomDevice>>();
    for (const kind of Object.keys(ACTIVE_RULES) as DeviceKind[]) {
      if (!isDeviceKind(kind) || !KINDS[kind]) continue;
      const fields = ACTIVE_RULES[kind]!.fields.map((f) => escape.quoted(f)).join(', ');
      const q = `SELECT ${fields}, "device", "room" FROM ${escape.quoted(this.o.database)}.${escape.quoted(RAW_RP)}.${escape.quoted(telemetryMeasurement(kind))}
        WHERE time >= ${from}ms AND time < ${to}ms`;
      const rows = await this.o.influx.query<Record<string, unknown>>(q, { precision: 'ms' });
      for (const row of rows) {
        const roomId = Number(row.room);
        let devices = byRoom.get(roomId);
        if (!devices) byRoom.set(roomId, (devices = new Map()));
        const id = String(row.device);
        let d = devices.get(id);
        if (!d) devices.set(id, (d = { id, kind, readings: [] }));
        const values: DeviceReading['values'] = {};
        for (const f of ACTIVE_RULES[kind]!.fields) values[f] = row[f] as DeviceReading['values'][string];
        d.readings.push({ ts: (row.time as Date).getTime(), values });
      }
    }
    return byRoom;
  }

  /** Analyses one local day (yyyy-mm-dd) up to now, replacing what an earlier analysis of that day wrote. */
  async analyseDay(date: string): Promise<DayResult> {
    const from = localMidnight(date);
    const to = Math.min(from + DAY_MS, this.o.clock.now());
    if (to <= from) return { date, rooms: 0, intervals: 0, points: 0 };
    const rooms = await this.rooms();
    // A state reported before midnight still holds after it, for at most STALE_MS.
    const byRoom = await this.readings(from - STALE_MS, to);
    const terms = new Map<number, Awaited<ReturnType<typeof schoolTerms>>>();
    const points: (IPoint & { measurement: string })[] = [];
    const stored: { rooms: RoomDay[]; heat: HeatCell[]; devices: DeviceDay[] } = { rooms: [], heat: [], devices: [] };
    const weekday = isoWeekday(date);
    let intervals = 0;
    for (const room of rooms.values()) {
      const tags = { room: String(room.id), site: String(room.siteId), school: String(room.schoolId), district: room.districtId === null ? 'so' : String(room.districtId), room_type: room.type };
      let t = terms.get(room.schoolId);
      if (!t) terms.set(room.schoolId, (t = await schoolTerms(this.o.registry, room.schoolId, room.level, date)));
      const slots = periodSlots(t, from, from + DAY_MS);
      const devices = [...(byRoom.get(room.id)?.values() ?? [])];
      const use = roomUse(room.type, devices, to);
      // Intervals are clipped to the day: one running over midnight is written by both days, each its own part.
      const inDay = use.intervals.map((x) => ({ ...x, start: Math.max(x.start, from), end: Math.min(x.end, from + DAY_MS) })).filter((x) => x.end > x.start);
      for (const x of inDay) {
        intervals++;
        const e = x.evidence;
        points.push({ measurement: 'usage_interval', tags, timestamp: x.start, fields: {
          end: x.end, minutes: (x.end - x.start) / 60_000, by: e.by.join(','), boards: e.boards, tablets: e.tablets, vr: e.vr, sensors: e.sensors,
        } });
      }
      for (const h of rollup(inDay, slots, from, to, 'hour')) points.push({ measurement: 'usage_hourly', tags, timestamp: h.start, fields: totalsFields(h.totals) });
      const day = usageTotals(inDay, slots, from, from + DAY_MS);
      if (day.periodsAvailable || day.outsideMin) {
        const perSlot: Record<string, number> = {};
        for (const s of slots) perSlot[slotKey(s)] = coveredMs(inDay, s.start, s.end) * 2 >= s.end - s.start ? 1 : 0;
        points.push({ measurement: 'usage_daily', tags: { ...tags, weekday: String(weekday) }, timestamp: from, fields: { ...totalsFields(day), ...perSlot } });
        stored.rooms.push({ room: room.id, school: room.schoolId, totals: day });
        for (const [slot, used] of Object.entries(perSlot)) stored.heat.push({ school: room.schoolId, weekday, slot, used, available: 1 });
      }
      for (const d of devices) {
        const active = use.devices.get(d.id) ?? [];
        const ms = active.reduce((a, x: Interval) => a + Math.max(0, Math.min(x.end, from + DAY_MS) - Math.max(x.start, from)), 0);
        if (ms > 0) {
          points.push({ measurement: 'device_usage_daily', tags: { ...tags, device: d.id, kind: d.kind }, timestamp: from, fields: { active_min: ms / 60_000 } });
          stored.devices.push({ device: d.id, school: room.schoolId, activeMin: ms / 60_000 });
        }
      }
    }
    await this.replaceDay(from, points);
    await this.o.store.replaceDay(date, stored.rooms, stored.heat, stored.devices);
    return { date, rooms: rooms.size, intervals, points: points.length };
  }

  /** Analyses local days [fromDate, toDate). */
  async analyseDays(fromDate: string, toDate: string, onProgress?: (done: number, total: number) => void): Promise<DayResult[]> {
    const days: string[] = [];
    for (let d = fromDate; d < toDate; d = addDays(d, 1)) days.push(d);
    const out: DayResult[] = [];
    for (const d of days) {
      out.push(await this.analyseDay(d));
      onProgress?.(out.length, days.length);
    }
    return out;
  }

  /** The last day `analyseRecent` closed: yesterday is analysed once more after midnight, not on every pass. */
  private closedDay: string | undefined;

  /**
   * What the live loop runs: today so far, and yesterday once after midnight (its last hours, and a device's
   * backlog from the evening, may have arrived after the last pass of the day).
   */
  async analyseRecent(): Promise<DayResult[]> {
    const today = localDate(this.o.clock.now());
    const yesterday = addDays(today, -1);
    const out: DayResult[] = [];
    if (this.closedDay !== yesterday) {
      out.push(await this.analyseDay(yesterday));
      this.closedDay = yesterday;
    }
    out.push(await this.analyseDay(today));
    return out;
  }

  private async replaceDay(from: number, points: (IPoint & { measurement: string })[]): Promise<void> {
    for (const m of USAGE_MEASUREMENTS) {
      await this.o.influx.query(`DELETE FROM ${escape.quoted(m)} WHERE time >= ${from}ms AND time < ${from + DAY_MS}ms`, { database: this.o.database });
    }
    for (let i = 0; i < points.length; i += 5000) {
      await this.o.influx.writePoints(points.slice(i, i + 5000), { database: this.o.database, retentionPolicy: ROLLUP_RP, precision: 'ms' });
    }
  }
}
