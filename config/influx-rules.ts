import type { Config } from './schema.js';

/**
 * The InfluxDB options that are each valid but not together (config/index.ts lists them with every other error).
 * A v2 primary has no managed server and no database: it needs its URL, token, org and bucket; and usage analysis,
 * which creates retention policies and deletes a day with InfluxQL statements InfluxDB 2.x and 3.x do not take, is
 * refused rather than left to fail at every pass (docs/integration.md).
 */
export function influxErrors(c: Config): string[] {
  const errors: string[] = [];
  const i = c.influx;
  if (i.version === 2) {
    const missing = (['url', 'token', 'org', 'bucket'] as const).filter((k) => !i[k]);
    for (const k of missing) {
      errors.push(`influx.version is 2 but influx.${k} (EDUFLEET_INFLUX_${k.toUpperCase()}) is empty: the v2 write API needs the server's URL, a token that may write, its org and its bucket (docs/integration.md, "InfluxDB 2.x and 3.x").`);
    }
    if (c.usage.analyseIntervalMs > 0) {
      errors.push('influx.version is 2 but usage.analyseIntervalMs (EDUFLEET_USAGE_ANALYSE_INTERVAL_MS) is not 0: usage analysis creates retention policies and deletes days '
        + 'with InfluxQL, which InfluxDB 2.x and 3.x do not take. Set usage.analyseIntervalMs to 0, or keep influx.version 1 and send the readings to InfluxDB 2.x with influx.mirror.*.');
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
