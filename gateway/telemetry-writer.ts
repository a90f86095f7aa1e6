import type { InfluxDB } from 'influx';
import { ensureInfluxSchema, influxClient, RAW_RP } from '../lib/influx/index.js';

/** Where points end up. InfluxDB v1 API now; the v2 API (token, org, bucket) takes the same line protocol. */
export interface TelemetryWriter {
  /** Creates the database and retention policies if missing; safe to call at every start. */
  ensureSchema(): Promise<void>;
  /** Writes line-protocol lines (ms precision) as they are; rejects with PermanentWriteError on a 4xx. */
  writeLines(lines: string[]): Promise<void>;
}

export interface InfluxV1Options {
  url: string;
  database: string;
  username?: string;
  password?: string;
  rawRetention: string;
  rollupRetention: string;
}

/** Raised for a write InfluxDB refused for what it contains (4xx): retrying would refuse it again. */
export class PermanentWriteError extends Error {}

export class InfluxV1Writer implements TelemetryWriter {
  readonly influx: InfluxDB;
  private readonly writeUrl: URL;
  private readonly authHeader: Record<string, string>;

  constructor(private readonly opts: InfluxV1Options) {
    const u = new URL(opts.url);
    this.writeUrl = new URL('/write', u);
    this.writeUrl.search = new URLSearchParams({ db: opts.database, rp: RAW_RP, precision: 'ms' }).toString();
    this.authHeader = opts.username ? { authorization: `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')}` } : {};
    this.influx = influxClient(opts.url, opts);
  }

  async ensureSchema(): Promise<void> {
    await ensureInfluxSchema(this.influx, this.opts);
  }

  /**
   * POSTs the spooled lines to `/write` as they are. The `influx` package (used here for the schema and for every
   * query) can only write point objects it serialises itself; re-parsing and re-serialising every spooled point
   * cost 14 % of the gateway's CPU (docs/benchmarks.md), so the batch goes out as the bytes the spool holds.
   */
  async writeLines(lines: string[]): Promise<void> {
    const res = await fetch(this.writeUrl, { method: 'POST', body: lines.join('\n'), headers: this.authHeader });
    if (res.status === 204) return;
    const text = await res.text();
    if (res.status >= 400 && res.status < 500) throw new PermanentWriteError(`InfluxDB refused the batch (${res.status}): ${text}`);
    throw new Error(`InfluxDB write failed (${res.status}): ${text}`);
  }
}
