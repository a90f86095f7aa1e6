import type { TSchema } from '@sinclair/typebox';
import { escape, type InfluxDB } from 'influx';
import { qualified, RAW_MEASUREMENTS, RAW_RP, telemetryMeasurement } from '../../lib/influx/index.js';
import { KINDS, type DeviceKind } from '../../protocol/index.js';
import type { DeviceEvent, HistoryPoint, HistoryWindow } from '../../api/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Vietnam keeps UTC+7 all year: long buckets start on local hours, so a 2 h bucket begins at local midnight. */
const VN_OFFSET_MS = 7 * HOUR;

/** A week of one reading a second would be 600,000 points: long windows are averaged so the browser gets a few hundred. */
export const WINDOW_PLANS: Record<HistoryWindow, { spanMs: number; bucketMs: number }> = {
  '1h': { spanMs: HOUR, bucketMs: 0 },
  '24h': { spanMs: 24 * HOUR, bucketMs: 5 * MINUTE },
  '7d': { spanMs: 7 * 24 * HOUR, bucketMs: 30 * MINUTE },
  '30d': { spanMs: 30 * 24 * HOUR, bucketMs: 2 * HOUR },
};
/** An hour of one reading a second. */
export const MAX_RAW_POINTS = 3600;
export const MAX_EVENTS = 100;

/** Fields of a kind a chart can draw: mean/min/max only exist for numbers (power 'on', input 'hdmi1' have none). */
export function chartableFields(kind: DeviceKind): string[] {
  return Object.entries(KINDS[kind].fields as Record<string, TSchema>)
    .filter(([, s]) => s.type === 'number' || s.type === 'integer')
    .map(([name]) => name);
}

/**
 * The first bucket start such that exactly span / bucket buckets end with the one holding `now`: InfluxDB's
 * `GROUP BY time()` over `now() - 24h` would give 289 (a partial one at each end).
 */
export function windowStart(now: number, w: HistoryWindow): { from: number; offsetMs: number } {
  const { spanMs, bucketMs } = WINDOW_PLANS[w];
  if (bucketMs === 0) return { from: now - spanMs, offsetMs: 0 };
  const offsetMs = VN_OFFSET_MS % bucketMs;
  const current = Math.floor((now - offsetMs) / bucketMs) * bucketMs + offsetMs;
  return { from: current - spanMs + bucketMs, offsetMs };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const durationLit = (ms: number) => `${ms / MINUTE}m`;

/** One numeric field of one device over a window: raw readings for an hour, mean/min/max per bucket beyond. */
export async function queryHistory(influx: InfluxDB, database: string, o: { deviceId: string; kind: DeviceKind; field: string; window: HistoryWindow; now: number }): Promise<HistoryPoint[]> {
  const from = qualified(database, RAW_RP, telemetryMeasurement(o.kind));
  const f = escape.quoted(o.field);
  const { bucketMs } = WINDOW_PLANS[o.window];
  const { from: start, offsetMs } = windowStart(o.now, o.window);
  const where = `WHERE "device" = ${escape.stringLit(o.deviceId)} AND time >= ${start}ms AND time <= ${o.now}ms`;
  if (bucketMs === 0) {
    const rows = await influx.query<Record<string, unknown>>(
      `SELECT ${f} AS v FROM ${from} ${where} ORDER BY time DESC LIMIT ${MAX_RAW_POINTS}`, { precision: 'ms' });
    const out: HistoryPoint[] = [];
    for (const r of rows) {
      const v = num(r.v);
      if (v !== null) out.push({ ts: (r.time as Date).getTime(), mean: v, min: v, max: v });
    }
    return out.reverse();
  }
  const rows = await influx.query<Record<string, unknown>>(
    `SELECT mean(${f}) AS mean, min(${f}) AS min, max(${f}) AS max FROM ${from} ${where} GROUP BY time(${durationLit(bucketMs)}, ${durationLit(offsetMs)}) fill(none)`,
    { precision: 'ms' });
  return rows.map((r) => ({ ts: (r.time as Date).getTime(), mean: num(r.mean), min: num(r.min), max: num(r.max) }));
}

/** The device's latest events (errors, sessions …) from the raw policy, newest first. */
export async function queryEvents(influx: InfluxDB, database: string, deviceId: string): Promise<DeviceEvent[]> {
  const from = qualified(database, RAW_RP, RAW_MEASUREMENTS.event);
  const rows = await influx.query<Record<string, unknown>>(
    `SELECT "type", "code", "message" FROM ${from} WHERE "device" = ${escape.stringLit(deviceId)} ORDER BY time DESC LIMIT ${MAX_EVENTS}`,
    { precision: 'ms' });
  return rows.map((r) => ({
    ts: (r.time as Date).getTime(),
    type: typeof r.type === 'string' ? r.type : '',
    code: typeof r.code === 'string' ? r.code : r.code == null ? null : String(r.code as number),
    message: typeof r.message === 'string' ? r.message : null,
  }));
}
