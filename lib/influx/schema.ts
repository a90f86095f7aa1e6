import { escape, type InfluxDB } from 'influx';
import { RAW_RP, ROLLUP_RP } from './names.js';

export interface InfluxSchemaOptions {
  database: string;
  rawRetention: string;
  rollupRetention: string;
}

/**
 * Creates the database and both retention policies, or brings them to the configured durations. Idempotent: every
 * component that writes (gateway, usage loop) calls it at start, since a process may run either one alone.
 */
export async function ensureInfluxSchema(influx: InfluxDB, o: InfluxSchemaOptions): Promise<void> {
  const db = o.database;
  // CREATE DATABASE and CREATE RETENTION POLICY are idempotent in InfluxDB 1.x when the options are unchanged;
  // ALTER brings an existing policy to the configured duration.
  await influx.createDatabase(db);
  const existing = new Set((await influx.showRetentionPolicies(db)).map((p) => p.name));
  const ensure = async (name: string, duration: string, isDefault: boolean) => {
    const opts = { database: db, duration, replication: 1, isDefault };
    if (existing.has(name)) await influx.alterRetentionPolicy(name, opts);
    else await influx.createRetentionPolicy(name, opts);
  };
  await ensure(RAW_RP, o.rawRetention, true);
  await ensure(ROLLUP_RP, o.rollupRetention, false);
  // Rollups are few and read a school year at a time: year-long shards keep a year's report to one or two shards
  // (InfluxDB's default for a 5-year policy is a shard a week, 40 shards for a school year).
  await influx.query(`ALTER RETENTION POLICY ${escape.quoted(ROLLUP_RP)} ON ${escape.quoted(db)} SHARD DURATION 52w`);
}

/** A qualified measurement name for InfluxQL: "db"."rp"."measurement". */
export function qualified(database: string, rp: string, measurement: string): string {
  return `${escape.quoted(database)}.${escape.quoted(rp)}.${escape.quoted(measurement)}`;
}
