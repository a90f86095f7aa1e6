import { escape, type InfluxDB } from 'influx';
import type { Config } from '../../config/index.js';
import { influxClient, qualified, RAW_RP, telemetryMeasurement } from '../../lib/influx/index.js';
import type { DeviceKind } from '../../protocol/index.js';
import type { DeviceEvent, FieldValue, HistoryPoint, HistoryWindow, Reading } from '../../api/index.js';
import { queryEvents, queryHistory } from './history.js';

/** Columns of a telemetry row that are tags or bookkeeping, not readings to show. */
const NOT_READINGS = new Set(['time', 'device', 'kind', 'room', 'site', 'school', 'district', 'seq', 'clock_replaced']);
/** A week-long hour of one reading a second is 3,600 points; the chart needs no more. */
const MAX_POINTS = 3600;

/** Recent readings of one device from InfluxDB (the raw retention policy), for the device page's chart. */
export class RecentReadings {
  private readonly influx: InfluxDB;

  constructor(influxUrl: string, private readonly cfg: Readonly<Config['influx']>) {
    this.influx = influxClient(influxUrl, cfg);
  }

  async lastHour(deviceId: string, kind: DeviceKind): Promise<Reading[]> {
    const from = qualified(this.cfg.database, RAW_RP, telemetryMeasurement(kind));
    const rows = await this.influx.query<Record<string, unknown>>(
      `SELECT * FROM ${from} WHERE "device" = ${escape.stringLit(deviceId)} AND time > now() - 1h ORDER BY time DESC LIMIT ${MAX_POINTS}`,
      { precision: 'ms' },
    );
    const out: Reading[] = [];
    for (const row of rows) {
      const values: Record<string, FieldValue> = {};
      for (const [k, v] of Object.entries(row)) {
        if (NOT_READINGS.has(k) || v === null || v === undefined) continue;
        if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') values[k] = v;
      }
      out.push({ ts: (row.time as Date).getTime(), values });
    }
    return out.reverse();
  }

  /** One numeric field over a window (dashboard/server/history.ts): raw for an hour, bucketed beyond. */
  history(o: { deviceId: string; kind: DeviceKind; field: string; window: HistoryWindow; now: number }): Promise<HistoryPoint[]> {
    return queryHistory(this.influx, this.cfg.database, o);
  }

  /** The device's latest events, newest first. */
  events(deviceId: string): Promise<DeviceEvent[]> {
    return queryEvents(this.influx, this.cfg.database, deviceId);
  }

  /** How long raw readings are kept: a window longer than this shows nothing before it. */
  get rawRetention(): string {
    return this.cfg.rawRetention;
  }
}
