import { InfluxDB, type IPoint } from 'influx';

/** One point as the gateway spools it: measurement, tags, fields and a UTC ms timestamp. */
export interface SpooledPoint {
  m: string;
  t: Record<string, string>;
  f: Record<string, number | boolean | string>;
  ts: number;
}

/** Where points end up. InfluxDB v1 API now; the v2 API (token, bucket) can implement the same interface. */
export interface TelemetryWriter {
  /** Creates the database and retention policies if missing; safe to call at every start. */
  ensureSchema(): Promise<void>;
  write(points: SpooledPoint[]): Promise<void>;
}

export interface InfluxV1Options {
  url: string;
  database: string;
  username?: string;
  password?: string;
  rawRetention: string;
  rollupRetention: string;
}

export const RAW_RP = 'raw';
export const ROLLUP_RP = 'rollup';

/** Raised for a write InfluxDB refused for what it contains (4xx): retrying would refuse it again. */
export class PermanentWriteError extends Error {}

export class InfluxV1Writer implements TelemetryWriter {
  readonly influx: InfluxDB;

  constructor(private readonly opts: InfluxV1Options) {
    const u = new URL(opts.url);
    this.influx = new InfluxDB({
      host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), protocol: u.protocol === 'https:' ? 'https' : 'http',
      database: opts.database, username: opts.username || undefined, password: opts.password || undefined,
    });
  }

  async ensureSchema(): Promise<void> {
    const db = this.opts.database;
    // CREATE DATABASE and CREATE RETENTION POLICY are idempotent in InfluxDB 1.x when the options are unchanged;
    // ALTER brings an existing policy to the configured duration.
    await this.influx.createDatabase(db);
    const existing = new Set((await this.influx.showRetentionPolicies(db)).map((p) => p.name));
    const ensure = async (name: string, duration: string, isDefault: boolean) => {
      const opts = { database: db, duration, replication: 1, isDefault };
      if (existing.has(name)) await this.influx.alterRetentionPolicy(name, opts);
      else await this.influx.createRetentionPolicy(name, opts);
    };
    await ensure(RAW_RP, this.opts.rawRetention, true);
    await ensure(ROLLUP_RP, this.opts.rollupRetention, false);
  }

  async write(points: SpooledPoint[]): Promise<void> {
    const ipoints: IPoint[] = points.map((p) => ({ measurement: p.m, tags: p.t, fields: p.f, timestamp: p.ts }));
    try {
      await this.influx.writePoints(ipoints, { precision: 'ms', retentionPolicy: RAW_RP });
    } catch (err) {
      const status = (err as { res?: { statusCode?: number } }).res?.statusCode;
      if (status !== undefined && status >= 400 && status < 500) throw new PermanentWriteError((err as Error).message, { cause: err });
      throw err;
    }
  }
}
