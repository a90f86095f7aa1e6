/**
 * The usage analyser: reads a local day of raw readings from InfluxDB, detects when each room (and each device) was
 * in use, measures it against the school's timetable and writes the results to the `rollup` retention policy:
 * `usage_interval` (each interval of use with its evidence), `usage_hourly` and `usage_daily` per room, and
 * `device_usage_daily` per device; and the same day into the report store (`store.usage`, registry/store/report-store.ts). Analysing a day again
 * replaces what it wrote for that day, so the live loop can analyse "today so far" every few minutes and a backfill
 * can be analysed afterwards. With an InfluxDB 2.x primary the reads and writes are the same InfluxQL and v1 writes,
 * through the v1-compatibility API; only clearing a day differs, and `rollups` (lib/influx/rollup-storage.ts) does it.
 */
import { escape, type InfluxDB, type IPoint } from 'influx';
import { RAW_MEASUREMENTS, RAW_RP, ROLLUP_RP, telemetryMeasurement, USAGE_MEASUREMENTS, deleteRollupsV1, type RollupStorage } from '../lib/influx/index.js';
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import { KINDS, isDeviceKind, type DeviceKind } from '../protocol/index.js';
import type { DeviceDay, HeatCell, RegistryStore, ReportStore, RoomDay } from '../registry/index.js';
import { addDays, localDate, localMidnight, periodSlots, isoWeekday, type PeriodSlot } from '../timetable/index.js';
import { roomCoverage, type PresenceTrack } from './coverage.js';
import { ACTIVE_RULES, roomUse, STALE_MS, type DeviceReading, type RoomDevice } from './detect.js';
import { schoolTerms } from './terms.js';
import { periodCovered, periodUsed, rollup, usageTotals, type Interval, type UsageTotals } from './utilisation.js';

export { USAGE_MEASUREMENTS };

const DAY_MS = 86_400_000;
/** How long after late data reached a day it is analysed again on every pass (the gateway's spool drains meanwhile). */
export const SETTLE_MS = 10 * 60_000;

/** The heatmap slot of a period: session initial and number, e.g. `m3` (tiết 3 buổi sáng), `a1`. */
export const slotKey = (s: Pick<PeriodSlot, 'period'>) => `${s.period.session[0]}${s.period.no}`;

export interface DayResult { date: string; rooms: number; intervals: number; points: number }

const totalsFields = (t: UsageTotals) => ({
  timetabled_min: t.timetabledMin, in_use_tt_min: t.inUseTimetabledMin, periods: t.periodsAvailable, periods_used: t.periodsUsed, outside_min: t.outsideMin,
  covered_min: t.coveredMin ?? t.timetabledMin, periods_uncovered: t.periodsUncovered ?? 0,
});
/** How far back a device's last presence change is looked for: one connected for longer shows no change in it. */
const PRESENCE_LOOKBACK_MS = 30 * DAY_MS;

export class UsageAnalyser {
  private readonly rollups: Pick<RollupStorage, 'deleteRollups'>;

  /** `rollups`: how a day is cleared before it is written again (default: InfluxQL DELETE on `influx`, InfluxDB 1.x). */
  constructor(private readonly o: { influx: InfluxDB; database: string; registry: RegistryStore; store: ReportStore; log?: Logger; clock: Clock; rollups?: Pick<RollupStorage, 'deleteRollups'> }) {
    this.rollups = o.rollups ?? { deleteRollups: (from, to) => deleteRollupsV1(o.influx, o.database, from, to) };
  }

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

  /** Each room's devices' presence over [from, to): online at `from` (their last change before it) and changes in it. */
  private async presence(from: number, to: number): Promise<Map<number, PresenceTrack[]>> {
    const m = `${escape.quoted(this.o.database)}.${escape.quoted(RAW_RP)}.${escape.quoted(RAW_MEASUREMENTS.presence)}`;
    const tracks = new Map<string, { room: number; track: PresenceTrack }>();
    const track = (device: string, room: number) => {
      let t = tracks.get(device);
      if (!t) tracks.set(device, (t = { room, track: { onlineAtStart: false, changes: [] } }));
      return t.track;
    };
    const before = await this.o.influx.query<Record<string, unknown>>(
      `SELECT last("online") AS online FROM ${m} WHERE time >= ${from - PRESENCE_LOOKBACK_MS}ms AND time < ${from}ms GROUP BY "device", "room"`);
    for (const row of before) track(String(row.device), Number(row.room)).onlineAtStart = row.online === true;
    const rows = await this.o.influx.query<Record<string, unknown>>(`SELECT "online", "device", "room" FROM ${m} WHERE time >= ${from}ms AND time < ${to}ms`, { precision: 'ms' });
    for (const row of rows) track(String(row.device), Number(row.room)).changes.push({ ts: (row.time as Date).getTime(), online: row.online === true });
    const byRoom = new Map<number, PresenceTrack[]>();
    for (const { room, track: t } of tracks.values()) byRoom.set(room, [...(byRoom.get(room) ?? []), t]);
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
    const presence = await this.presence(from, to);
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
      const covered = roomCoverage(devices, presence.get(room.id) ?? [], from, to);
      // Intervals are clipped to the day: one running over midnight is written by both days, each its own part.
      const inDay = use.intervals.map((x) => ({ ...x, start: Math.max(x.start, from), end: Math.min(x.end, from + DAY_MS) })).filter((x) => x.end > x.start);
      for (const x of inDay) {
        intervals++;
        const e = x.evidence;
        points.push({ measurement: 'usage_interval', tags, timestamp: x.start, fields: {
          end: x.end, minutes: (x.end - x.start) / 60_000, by: e.by.join(','), boards: e.boards, tablets: e.tablets, vr: e.vr, sensors: e.sensors,
        } });
      }
      for (const h of rollup(inDay, slots, from, to, 'hour', covered)) points.push({ measurement: 'usage_hourly', tags, timestamp: h.start, fields: totalsFields(h.totals) });
      const day = usageTotals(inDay, slots, from, from + DAY_MS, covered);
      if (day.periodsAvailable || day.outsideMin) {
        // A period the room's data did not cover is left out of the heatmap, as out of period utilisation.
        const perSlot: Record<string, number> = {};
        for (const s of slots) {
          const used = periodUsed(inDay, s);
          if (periodCovered(covered, s, used)) perSlot[slotKey(s)] = used ? 1 : 0;
        }
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
   * What the live loop runs: today so far, yesterday once after midnight (its last hours may have arrived after the
   * last pass of the day), and every earlier day that late data reached since (a device's backlog: the gateway
   * marks the days of the readings it takes for a day already past, `store.markDirtyDays`). A day's mark is cleared
   * once an analysis has started SETTLE_MS after it, so readings still on their way from the gateway's spool to
   * InfluxDB when the mark was made are in the day's last analysis.
   */
  async analyseRecent(): Promise<DayResult[]> {
    const now = this.o.clock.now();
    const today = localDate(now);
    const yesterday = addDays(today, -1);
    const out: DayResult[] = [];
    const done = new Set<string>();
    if (this.closedDay !== yesterday) {
      out.push(await this.analyseDay(yesterday));
      done.add(yesterday);
      this.closedDay = yesterday;
    }
    for (const { day } of await this.o.store.dirtyDays()) {
      if (day >= today) {
        await this.o.store.clearDirtyDay(day, now);
        continue;
      }
      if (!done.has(day)) {
        out.push(await this.analyseDay(day));
        done.add(day);
      }
      await this.o.store.clearDirtyDay(day, now - SETTLE_MS);
    }
    out.push(await this.analyseDay(today));
    return out;
  }

  private async replaceDay(from: number, points: (IPoint & { measurement: string })[]): Promise<void> {
    await this.rollups.deleteRollups(from, from + DAY_MS);
    for (let i = 0; i < points.length; i += 5000) {
      await this.o.influx.writePoints(points.slice(i, i + 5000), { database: this.o.database, retentionPolicy: ROLLUP_RP, precision: 'ms' });
    }
  }
}
