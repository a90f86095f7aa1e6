/**
 * The InfluxDB 2.x management calls of the usage analysis, with `@influxdata/influxdb-client-apis`: the buckets
 * and DBRP mappings of a v2SchemaPlan (v2-plan.ts), and the delete API. Kept thin on purpose: no InfluxDB 2.x server
 * runs on the build machines, so what is decided (names, retention, ranges, predicates) is decided in v2-plan.ts,
 * which is tested, and this file only sends it (docs/integration.md, "What is tested here, and what is not").
 */
import { HttpError, InfluxDB } from '@influxdata/influxdb-client';
import { BucketsAPI, DbrpsAPI, DeleteAPI, OrgsAPI, type Bucket } from '@influxdata/influxdb-client-apis';
import { EdufleetError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BucketPlan, DbrpPlan, DeleteRequest, V2SchemaPlan } from './v2-plan.js';

export interface V2AdminOptions {
  url: string;
  /** Never logged, and never in an error: HttpError carries the answer only, not the request. */
  token: string;
  org: string;
}

const status = (err: unknown): number | undefined => (err instanceof HttpError ? err.statusCode : undefined);
const refused = (err: unknown) => status(err) === 401 || status(err) === 403;
/** A server without the v2 management API (InfluxDB 3.x answers 404 or 405 to these paths). */
const absent = (err: unknown) => status(err) === 404 || status(err) === 405;

/** What the server said, without the request: enough to act on, nothing that holds the token. */
function said(err: unknown): string {
  if (err instanceof HttpError) return `HTTP ${err.statusCode}${err.body ? `: ${err.body.slice(0, 300)}` : ''}`;
  return err instanceof Error ? err.message : String(err);
}

/** A bucket's retention rule: the plan's duration, and the rollups' year-long shard groups (OSS; Cloud ignores it). */
const rules = (b: BucketPlan) => [{ type: 'expire' as const, everySeconds: b.everySeconds, ...(b.shardGroupDurationSeconds ? { shardGroupDurationSeconds: b.shardGroupDurationSeconds } : {}) }];
const days = (s: number) => (s === 0 ? 'INF' : s % 86_400 ? `${s}s` : `${s / 86_400}d`);

export class InfluxV2Admin {
  private readonly buckets: BucketsAPI;
  private readonly dbrps: DbrpsAPI;
  private readonly orgs: OrgsAPI;
  private readonly deletes: DeleteAPI;

  constructor(private readonly o: V2AdminOptions, private readonly log?: Logger) {
    const client = new InfluxDB({ url: o.url, token: o.token, timeout: 30_000 });
    this.buckets = new BucketsAPI(client);
    this.dbrps = new DbrpsAPI(client);
    this.orgs = new OrgsAPI(client);
    this.deletes = new DeleteAPI(client);
  }

  private setupError(what: string, err?: unknown): EdufleetError {
    const why = err === undefined ? '' : ` (${said(err)})`;
    const hint = absent(err) ? ': this server has no InfluxDB 2.x management API (InfluxDB 3.x?); turn usage analysis off (usage.analyseIntervalMs 0)'
      : ': create it by hand (docs/integration.md, "Set-up of InfluxDB 2.x"), or give the token the right to create it';
    return new EdufleetError('EDUFLEET_ERR_INFLUX_V2_SETUP', `InfluxDB 2.x at ${this.o.url}: ${what}${why}${hint}`);
  }

  /** Creates what the plan names and is missing; brings a bucket's retention to the plan's, or warns. Idempotent. */
  async ensure(plan: V2SchemaPlan): Promise<void> {
    const found = new Map<string, Bucket>();
    for (const b of plan.buckets) {
      const bucket = await this.findBucket(b.name);
      if (bucket) found.set(b.name, bucket);
    }
    const ids = new Map<string, string>();
    for (const b of plan.buckets) {
      const existing = found.get(b.name);
      ids.set(b.name, existing ? await this.keepRetention(existing, b) : await this.createBucket(b, [...found.values()][0]?.orgID));
    }
    for (const m of plan.dbrps) await this.ensureDbrp(m, ids.get(m.bucket)!);
  }

  /**
   * The organisation's id, needed only to create a bucket: from a bucket already found, else from the orgs API
   * (which a token that may only read and write its buckets cannot read; it needs neither when both buckets exist).
   */
  private async orgId(known: string | undefined): Promise<string> {
    if (known) return known;
    let id: string | undefined;
    try {
      id = (await this.orgs.getOrgs({ org: this.o.org })).orgs?.find((x) => x.name === this.o.org)?.id;
    } catch (err) {
      if (!(refused(err) || absent(err) || status(err) === 400)) throw err;
      throw this.setupError(`the organisation "${this.o.org}" (influx.org) could not be read`, err);
    }
    if (!id) throw new EdufleetError('EDUFLEET_ERR_INFLUX_V2_SETUP', `InfluxDB 2.x at ${this.o.url}: no organisation "${this.o.org}" (influx.org) that this token may read, to create a bucket in: check influx.org, or create the buckets by hand (docs/integration.md, "Set-up of InfluxDB 2.x")`);
    return id;
  }

  /** The bucket of that name in the org, if the token may see it (buckets are looked up by the org's name). */
  private async findBucket(name: string): Promise<Bucket | undefined> {
    try {
      return (await this.buckets.getBuckets({ org: this.o.org, name })).buckets?.find((x) => x.name === name);
    } catch (err) {
      // InfluxDB 2.x answers 404 for a name (or an org) it does not have; creating it tells the two apart.
      if (status(err) === 404) return undefined;
      if (refused(err) || absent(err)) throw this.setupError(`the bucket "${name}" could not be looked up`, err);
      throw err;
    }
  }

  private async createBucket(b: BucketPlan, knownOrgId: string | undefined): Promise<string> {
    const orgID = await this.orgId(knownOrgId);
    try {
      const made = await this.buckets.postBuckets({ body: { orgID, name: b.name, retentionRules: rules(b) } });
      this.log?.info({ bucket: b.name, retention: days(b.everySeconds) }, 'InfluxDB 2.x bucket created');
      return made.id!;
    } catch (err) {
      if (refused(err) || absent(err)) throw this.setupError(`the bucket "${b.name}" (retention ${days(b.everySeconds)}) is missing and could not be created`, err);
      throw err;
    }
  }

  private async keepRetention(existing: Bucket, b: BucketPlan): Promise<string> {
    const every = existing.retentionRules.find((r) => r.type === 'expire' || r.type === undefined)?.everySeconds ?? 0;
    if (every !== b.everySeconds) {
      try {
        await this.buckets.patchBucketsID({ bucketID: existing.id!, body: { retentionRules: rules(b) } });
        this.log?.info({ bucket: b.name, was: days(every), retention: days(b.everySeconds) }, 'InfluxDB 2.x bucket retention brought to the configured one');
      } catch (err) {
        if (!refused(err)) throw err;
        // The data is safe either way; only how long it is kept differs from the configuration.
        this.log?.warn({ bucket: b.name, retention: days(every), configured: days(b.everySeconds) },
          'InfluxDB 2.x bucket keeps data for another duration than configured and the token may not change it: change it in InfluxDB (influx bucket update --retention) or in the configuration');
      }
    }
    return existing.id!;
  }

  private async ensureDbrp(m: DbrpPlan, bucketID: string): Promise<void> {
    const name = `the DBRP mapping ${m.database}/${m.retentionPolicy} → bucket "${m.bucket}"`;
    let mappings;
    try {
      mappings = (await this.dbrps.getDBRPs({ org: this.o.org, db: m.database, rp: m.retentionPolicy })).content ?? [];
    } catch (err) {
      if (refused(err) || absent(err)) throw this.setupError(`${name} could not be looked up`, err);
      throw err;
    }
    const mapping = mappings.find((x) => x.database === m.database && x.retention_policy === m.retentionPolicy && !x.virtual) ?? mappings.find((x) => x.virtual);
    if (mapping?.bucketID === bucketID) return;
    if (mapping && !mapping.virtual) {
      // Moving a mapping to another bucket would hide what the old one holds from every reader: the operator decides.
      throw new EdufleetError('EDUFLEET_ERR_INFLUX_V2_SETUP', `InfluxDB 2.x at ${this.o.url}: ${m.database}/${m.retentionPolicy} is mapped to another bucket (id ${mapping.bucketID}), not to "${m.bucket}": `
        + 'point it at that bucket (influx v1 dbrp update / delete and create), or set influx.bucket / influx.rollupBucket to the mapped one');
    }
    try {
      await this.dbrps.postDBRP({ body: { org: this.o.org, bucketID, database: m.database, retention_policy: m.retentionPolicy, default: m.default } });
      this.log?.info({ database: m.database, rp: m.retentionPolicy, bucket: m.bucket }, 'InfluxDB 2.x DBRP mapping created');
    } catch (err) {
      if (refused(err) || absent(err)) throw this.setupError(`${name} is missing and could not be created`, err);
      throw err;
    }
  }

  /** Sends each delete request in turn (the delete predicate takes one measurement: no OR). */
  async delete(requests: readonly DeleteRequest[]): Promise<void> {
    for (const r of requests) {
      try {
        await this.deletes.postDelete({ org: this.o.org, bucket: r.bucket, body: { start: r.start, stop: r.stop, predicate: r.predicate } });
      } catch (err) {
        if (!(refused(err) || absent(err) || status(err) === 400)) throw err;
        const hint = absent(err) ? 'this server has no delete API (InfluxDB 3.x?): turn usage analysis off (usage.analyseIntervalMs 0)' : 'the token needs write access to that bucket';
        throw new EdufleetError('EDUFLEET_ERR_INFLUX_V2_DELETE', `InfluxDB 2.x at ${this.o.url} did not delete ${r.predicate} from "${r.bucket}" over ${r.start} … ${r.stop} (${said(err)}): ${hint}`);
      }
    }
  }
}
