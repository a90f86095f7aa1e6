/**
 * What an InfluxDB 2.x primary needs for EduFleet's InfluxQL names to keep working, worked out from the
 * configuration alone (no server): the two buckets with their retention, the DBRP mappings that give them the
 * names `"db"."raw"` and `"db"."rollup"` on the v1-compatibility API, and the delete requests that clear a day of
 * rollups before it is written again. v2-admin.ts carries the plan out; everything here is tested in memory.
 */
import { EdufleetError } from '../errors.js';
import { RAW_RP, ROLLUP_RP } from './names.js';

/** The options the plan reads (config/schema.ts, `influx.*`). */
export interface V2PlanOptions {
  database: string;
  bucket: string;
  /** Empty: `<bucket>-rollups`. */
  rollupBucket: string;
  rawRetention: string;
  rollupRetention: string;
}

export interface BucketPlan {
  name: string;
  /** 0: kept for ever (InfluxQL's INF). */
  everySeconds: number;
  /** Only for the rollups: a year-long shard group, as the 1.x rollup policy has (schema.ts). */
  shardGroupDurationSeconds?: number;
}

export interface DbrpPlan {
  database: string;
  retentionPolicy: string;
  bucket: string;
  default: boolean;
}

export interface V2SchemaPlan {
  buckets: BucketPlan[];
  dbrps: DbrpPlan[];
}

/** One `/api/v2/delete` body: a bucket, an RFC 3339 range and a predicate on one measurement. */
export interface DeleteRequest {
  bucket: string;
  start: string;
  stop: string;
  predicate: string;
}

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, u: 1e-6, 'µ': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(\d+(ns|u|µ|ms|s|m|h|d|w))+$/;
/** InfluxQL's year-long shard duration of the rollup policy (`SHARD DURATION 52w`). */
export const ROLLUP_SHARD_SECONDS = 52 * 604_800;

/**
 * An InfluxQL duration (`90d`, `52w`, `1h30m`, `INF`) in whole seconds, as a bucket's retention rule takes it
 * (0 = for ever); undefined when it is not one.
 */
export function durationSeconds(d: string): number | undefined {
  if (/^inf$/i.test(d)) return 0;
  if (!DURATION.test(d)) return undefined;
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ns|u|µ|ms|s|m|h|d|w)/g)) total += Number(n) * UNIT_SECONDS[unit!]!;
  return Math.floor(total);
}

/** The bucket the rollups go to: `influx.rollupBucket`, or the raw bucket's name with `-rollups`. */
export function rollupBucketName(o: Pick<V2PlanOptions, 'bucket' | 'rollupBucket'>): string {
  return o.rollupBucket || `${o.bucket}-rollups`;
}

function retention(option: string, value: string): number {
  const s = durationSeconds(value);
  if (s === undefined) throw new EdufleetError('EDUFLEET_ERR_CONFIG_INVALID', `${option} "${value}" is not an InfluxDB duration (e.g. 90d, 52w, INF)`);
  return s;
}

/**
 * The buckets and mappings of a v2 primary. The raw mapping is the database's default, as the raw policy is on
 * 1.x, so a v1 write without `rp` (the gateway's) and a query without a policy both land on the raw bucket.
 */
export function v2SchemaPlan(o: V2PlanOptions): V2SchemaPlan {
  const rollups = rollupBucketName(o);
  return {
    buckets: [
      { name: o.bucket, everySeconds: retention('influx.rawRetention', o.rawRetention) },
      { name: rollups, everySeconds: retention('influx.rollupRetention', o.rollupRetention), shardGroupDurationSeconds: ROLLUP_SHARD_SECONDS },
    ],
    dbrps: [
      { database: o.database, retentionPolicy: RAW_RP, bucket: o.bucket, default: true },
      { database: o.database, retentionPolicy: ROLLUP_RP, bucket: rollups, default: false },
    ],
  };
}

/** A delete predicate on one measurement; a `"` or `\` in the name is escaped as the predicate syntax wants. */
export function measurementPredicate(measurement: string): string {
  return `_measurement="${measurement.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The delete requests that clear [from, to) (ms) of each measurement in `bucket`, one per measurement: the delete
 * predicate takes no OR. InfluxDB 2.x deletes both ends of the range inclusively, so the stop is the last
 * millisecond before `to`: the rollups of the next day, stamped at its midnight, stay (EduFleet writes rollups
 * with millisecond timestamps, so nothing lies between that millisecond and `to`).
 */
export function deleteRequests(bucket: string, measurements: readonly string[], from: number, to: number): DeleteRequest[] {
  const start = new Date(from).toISOString();
  const stop = new Date(to - 1).toISOString();
  return measurements.map((m) => ({ bucket, start, stop, predicate: measurementPredicate(m) }));
}
