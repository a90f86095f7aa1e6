/**
 * What a usage analysis on an InfluxDB 2.x primary decides before it calls the server (lib/influx/v2-plan.ts): the
 * buckets with their retention and the DBRP mappings from the configuration, and the delete requests for a local
 * day. No InfluxDB 2.x server runs here (docs/integration.md, "What is tested here, and what is not"), so the
 * calls themselves are kept thin and everything they send is decided, and tested, here.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { deleteRequests, durationSeconds, measurementPredicate, rollupBucketName, USAGE_MEASUREMENTS, v2SchemaPlan } from '../../lib/influx/index.js';
import { ROLLUP_SHARD_SECONDS } from '../../lib/influx/v2-plan.js';
import { localMidnight } from '../../timetable/index.js';

const V2 = {
  EDUFLEET_INFLUX_VERSION: '2', EDUFLEET_INFLUX_URL: 'http://influx2:8086', EDUFLEET_INFLUX_TOKEN: 't',
  EDUFLEET_INFLUX_ORG: 'so-gddt-lao-cai', EDUFLEET_INFLUX_BUCKET: 'edufleet',
};

describe('the InfluxDB 2.x plan of the usage analysis', () => {
  it('reads InfluxQL durations as whole seconds of bucket retention, INF as for ever, and refuses anything else', () => {
    expect(durationSeconds('90d')).toBe(90 * 86_400);
    expect(durationSeconds('52w')).toBe(52 * 604_800);
    expect(durationSeconds('1h30m')).toBe(5_400);
    expect(durationSeconds('1500ms')).toBe(1);
    expect(durationSeconds('INF')).toBe(0);
    expect(durationSeconds('inf')).toBe(0);
    for (const bad of ['', '90', 'd', '90 days', '-1d', '1.5d']) expect(durationSeconds(bad)).toBeUndefined();
  });

  it('plans the raw bucket and a rollup bucket named after it, with the configured retentions, from the defaults', () => {
    const plan = v2SchemaPlan(loadConfig({ env: V2 }).influx);
    expect(plan.buckets).toEqual([
      { name: 'edufleet', everySeconds: 90 * 86_400 },
      { name: 'edufleet-rollups', everySeconds: 1825 * 86_400, shardGroupDurationSeconds: ROLLUP_SHARD_SECONDS },
    ]);
  });

  it('maps influx.database / raw (the default policy) and / rollup onto the two buckets, so every InfluxQL name keeps working', () => {
    const plan = v2SchemaPlan(loadConfig({ env: { ...V2, EDUFLEET_INFLUX_DATABASE: 'sogddt' } }).influx);
    expect(plan.dbrps).toEqual([
      { database: 'sogddt', retentionPolicy: 'raw', bucket: 'edufleet', default: true },
      { database: 'sogddt', retentionPolicy: 'rollup', bucket: 'edufleet-rollups', default: false },
    ]);
  });

  it('takes the rollup bucket and both retentions from influx.rollupBucket, influx.rawRetention and influx.rollupRetention', () => {
    const c = loadConfig({ env: { ...V2, EDUFLEET_INFLUX_ROLLUP_BUCKET: 'edufleet-bao-cao', EDUFLEET_INFLUX_RAW_RETENTION: '30d', EDUFLEET_INFLUX_ROLLUP_RETENTION: 'INF' } });
    expect(rollupBucketName(c.influx)).toBe('edufleet-bao-cao');
    const plan = v2SchemaPlan(c.influx);
    expect(plan.buckets.map((b) => [b.name, b.everySeconds])).toEqual([['edufleet', 30 * 86_400], ['edufleet-bao-cao', 0]]);
    expect(plan.dbrps[1]).toMatchObject({ retentionPolicy: 'rollup', bucket: 'edufleet-bao-cao' });
  });

  it('clears a local day in Asia/Ho_Chi_Minh from its midnight to the last millisecond before the next, one request per usage measurement', () => {
    const from = localMidnight('2026-12-07');
    const requests = deleteRequests('edufleet-rollups', USAGE_MEASUREMENTS, from, localMidnight('2026-12-08'));
    expect(requests).toEqual(USAGE_MEASUREMENTS.map((m) => ({
      bucket: 'edufleet-rollups', start: '2026-12-06T17:00:00.000Z', stop: '2026-12-07T16:59:59.999Z', predicate: `_measurement="${m}"`,
    })));
    // The next day's rollups are stamped at its midnight: outside the range even though the delete API's stop is inclusive.
    expect(Date.parse(requests[0]!.stop)).toBeLessThan(localMidnight('2026-12-08'));
  });

  it('escapes a quote or a backslash in a measurement name inside the delete predicate', () => {
    expect(measurementPredicate('usage_daily')).toBe('_measurement="usage_daily"');
    expect(measurementPredicate('a"b\\c')).toBe('_measurement="a\\"b\\\\c"');
  });
});
