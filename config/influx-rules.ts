import { durationSeconds, rollupBucketName } from '../lib/influx/v2-plan.js';
import type { Config } from './schema.js';

/**
 * The InfluxDB options that are each valid but not together (config/index.ts lists them with every other error).
 * A v2 primary has no managed server: it needs its URL, token, org and bucket. The usage analysis runs on it too
 * (lib/influx/rollup-storage.ts): its rollups go to a second bucket, so that bucket must be another one, and both
 * retentions become bucket retention rules, so they must be durations a bucket takes (docs/integration.md).
 */
export function influxErrors(c: Config): string[] {
  const errors: string[] = [];
  const i = c.influx;
  if (i.version === 2) {
    const missing = (['url', 'token', 'org', 'bucket'] as const).filter((k) => !i[k]);
    for (const k of missing) {
      errors.push(`influx.version is 2 but influx.${k} (EDUFLEET_INFLUX_${k.toUpperCase()}) is empty: the v2 write API needs the server's URL, a token that may write, its org and its bucket (docs/integration.md, "InfluxDB 2.x and 3.x").`);
    }
    if (i.bucket && rollupBucketName(i) === i.bucket) {
      errors.push(`influx.rollupBucket (EDUFLEET_INFLUX_ROLLUP_BUCKET) is influx.bucket "${i.bucket}": the usage rollups need their own bucket, kept influx.rollupRetention, not the raw readings' one. Name another bucket, or leave it empty for "${i.bucket}-rollups".`);
    }
    for (const k of ['rawRetention', 'rollupRetention'] as const) {
      const s = durationSeconds(i[k]);
      // InfluxDB 2.x refuses a retention period under an hour (0 is "for ever").
      if (s === undefined || (s > 0 && s < 3600)) {
        errors.push(`influx.${k} (EDUFLEET_INFLUX_${k.replace(/[A-Z]/g, (l) => `_${l}`).toUpperCase()}) "${i[k]}" is not a bucket retention: with influx.version 2 it becomes the retention of a bucket, an InfluxDB duration of an hour or more (e.g. 90d, 52w) or INF.`);
      }
    }
  }
  const m = i.mirror;
  if (m.url) {
    for (const k of (['token', 'org', 'bucket'] as const).filter((key) => !m[key])) {
      errors.push(`influx.mirror.url is set but influx.mirror.${k} (EDUFLEET_INFLUX_MIRROR_${k.toUpperCase()}) is empty: the mirror is written through the v2 write API, which needs a token, an org and a bucket.`);
    }
  } else if (m.token || m.org || m.bucket) {
    errors.push('influx.mirror.token, .org or .bucket is set but influx.mirror.url (EDUFLEET_INFLUX_MIRROR_URL) is empty: set the mirror\'s URL, or clear the others to run without a mirror.');
  }
  return errors;
}
