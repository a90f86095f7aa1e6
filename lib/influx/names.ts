/**
 * Every InfluxDB name EduFleet writes or reads, in one place: the gateway writes raw points under these names, the
 * usage analyser reads them and writes the rollups, the dashboard and the reports read both. A renamed measurement
 * changes here, or nowhere.
 */

/** Raw readings, kept `influx.rawRetention`; the default policy, so a write without `rp` lands here. */
export const RAW_RP = 'raw';
/** Daily rollups of room use, kept `influx.rollupRetention` (years), in year-long shards. */
export const ROLLUP_RP = 'rollup';

/** Measurements of the raw policy other than telemetry (which has one per device kind). */
export const RAW_MEASUREMENTS = {
  presence: 'presence',
  event: 'event',
  attributes: 'attributes',
  commandResult: 'command_result',
  rejected: 'rejected',
  /** Where each device sits, with the places' codes and names: what Grafana shows instead of ids (gateway/device-meta.ts). */
  deviceMeta: 'device_meta',
} as const;

/** One measurement per device kind: each kind has its own fields, and a query reads one kind at a time. */
export const telemetryMeasurement = (kind: string): string => `telemetry_${kind}`;

/** What the usage analyser writes to the rollup policy; a day analysed again replaces all of them for that day. */
export const USAGE_MEASUREMENTS = ['usage_interval', 'usage_hourly', 'usage_daily', 'device_usage_daily'] as const;
export type UsageMeasurement = (typeof USAGE_MEASUREMENTS)[number];
