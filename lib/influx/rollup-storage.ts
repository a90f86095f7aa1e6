/**
 * The one place that decides, from `influx.version`, how the usage analysis sets up its storage and clears a day
 * of rollups. Everything else the analysis does is the same on both: InfluxQL reads and v1 writes of
 * `"db"."rp"."measurement"`, which InfluxDB 2.x takes on its v1-compatibility API through the DBRP mappings
 * (client.ts authenticates them with the token). The analyser gets a RollupStorage and never asks which it is.
 */
import { escape, type InfluxDB } from 'influx';
import type { Logger } from '../logger.js';
import { USAGE_MEASUREMENTS } from './names.js';
import { ensureInfluxSchema, type InfluxSchemaOptions } from './schema.js';
import { InfluxV2Admin } from './v2-admin.js';
import { deleteRequests, rollupBucketName, v2SchemaPlan, type V2PlanOptions } from './v2-plan.js';

export interface RollupStorage {
  /**
   * Whether the schema is EduFleet's to set up at every start (1.x: its database and policies, which the pages read
   * even in a process that never analyses) or only before an analysis writes (2.x: the operator's server, where a
   * token may rightly lack the rights while the analysis is off).
   */
  readonly ownsSchema: boolean;
  /** Creates what the rollups (and the raw reads) need, or brings it to the configuration. Idempotent. */
  ensureSchema(): Promise<void>;
  /** Removes every usage measurement's points in [from, to) (ms) before the day is written again. */
  deleteRollups(from: number, to: number): Promise<void>;
}

/** The `influx.*` options the choice reads (config/schema.ts), with the URL of the server in use. */
export type RollupStorageOptions = InfluxSchemaOptions & V2PlanOptions & { version: number; url: string; token: string; org: string };

/** InfluxDB 1.x: the database and policies by InfluxQL, and a day cleared with InfluxQL DELETE. */
export class V1RollupStorage implements RollupStorage {
  readonly ownsSchema = true;
  constructor(private readonly influx: InfluxDB, private readonly o: InfluxSchemaOptions) {}

  ensureSchema(): Promise<void> {
    return ensureInfluxSchema(this.influx, this.o);
  }

  deleteRollups(from: number, to: number): Promise<void> {
    return deleteRollupsV1(this.influx, this.o.database, from, to);
  }
}

/** InfluxQL DELETE of the usage measurements over [from, to) (ms), on InfluxDB 1.x. */
export async function deleteRollupsV1(influx: InfluxDB, database: string, from: number, to: number): Promise<void> {
  // 1.x's DELETE takes no retention policy: it clears the measurement in every policy of the database, and only
  // the rollup policy holds these names.
  for (const m of USAGE_MEASUREMENTS) {
    await influx.query(`DELETE FROM ${escape.quoted(m)} WHERE time >= ${from}ms AND time < ${to}ms`, { database });
  }
}

/** InfluxDB 2.x: buckets and DBRP mappings through the management API, and a day cleared with the delete API. */
export class V2RollupStorage implements RollupStorage {
  readonly ownsSchema = false;
  private readonly admin: InfluxV2Admin;
  constructor(private readonly o: RollupStorageOptions, log?: Logger) {
    this.admin = new InfluxV2Admin({ url: o.url, token: o.token, org: o.org }, log);
  }

  ensureSchema(): Promise<void> {
    return this.admin.ensure(v2SchemaPlan(this.o));
  }

  deleteRollups(from: number, to: number): Promise<void> {
    return this.admin.delete(deleteRequests(rollupBucketName(this.o), USAGE_MEASUREMENTS, from, to));
  }
}

/** The storage `influx.version` names; `influx` is the v1 (or v1-compatibility) client of the same server. */
export function rollupStorage(o: RollupStorageOptions, influx: InfluxDB, log?: Logger): RollupStorage {
  return o.version === 2 ? new V2RollupStorage(o, log) : new V1RollupStorage(influx, o);
}
