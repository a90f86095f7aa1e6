/** The InfluxDB 2.x options (issue 22): refused with what to set when they cannot work together. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';

const V2 = {
  EDUFLEET_INFLUX_VERSION: '2', EDUFLEET_INFLUX_URL: 'http://influx2:8086', EDUFLEET_INFLUX_TOKEN: 't',
  EDUFLEET_INFLUX_ORG: 'so-gddt', EDUFLEET_INFLUX_BUCKET: 'edufleet',
};

/** The message of the configuration error `env` makes, or '' when it loads. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig({ env });
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('the InfluxDB 2.x options', () => {
  it('takes a v2 primary with its URL, token, org and bucket, with usage analysis on as by default', () => {
    const c = loadConfig({ env: V2 });
    expect(c.influx.version).toBe(2);
    expect(c.influx.bucket).toBe('edufleet');
    expect(c.usage.analyseIntervalMs).toBeGreaterThan(0);
    expect(loadConfig({ env: { ...V2, EDUFLEET_USAGE_ANALYSE_INTERVAL_MS: '0' } }).usage.analyseIntervalMs).toBe(0);
  });

  it('refuses a v2 primary without its URL, token, org or bucket, naming each missing option', () => {
    const msg = refusal({ EDUFLEET_INFLUX_VERSION: '2' });
    for (const env of ['EDUFLEET_INFLUX_URL', 'EDUFLEET_INFLUX_TOKEN', 'EDUFLEET_INFLUX_ORG', 'EDUFLEET_INFLUX_BUCKET']) expect(msg).toContain(`(${env}) is empty`);
  });

  it('refuses a rollup bucket that is the raw bucket, and takes any other name or none', () => {
    expect(refusal({ ...V2, EDUFLEET_INFLUX_ROLLUP_BUCKET: 'edufleet' })).toContain('influx.rollupBucket (EDUFLEET_INFLUX_ROLLUP_BUCKET) is influx.bucket "edufleet"');
    expect(loadConfig({ env: { ...V2, EDUFLEET_INFLUX_ROLLUP_BUCKET: 'edufleet-bao-cao' } }).influx.rollupBucket).toBe('edufleet-bao-cao');
    expect(loadConfig({ env: V2 }).influx.rollupBucket).toBe('');
  });

  it('refuses, with a v2 primary, a retention that no bucket takes, naming the option', () => {
    const msg = refusal({ ...V2, EDUFLEET_INFLUX_RAW_RETENTION: '90 days', EDUFLEET_INFLUX_ROLLUP_RETENTION: '30m' });
    expect(msg).toContain('influx.rawRetention (EDUFLEET_INFLUX_RAW_RETENTION) "90 days" is not a bucket retention');
    expect(msg).toContain('influx.rollupRetention (EDUFLEET_INFLUX_ROLLUP_RETENTION) "30m" is not a bucket retention');
    expect(loadConfig({ env: { ...V2, EDUFLEET_INFLUX_ROLLUP_RETENTION: 'INF' } }).influx.rollupRetention).toBe('INF');
  });

  it('refuses an influx.version other than 1 or 2', () => {
    expect(refusal({ ...V2, EDUFLEET_INFLUX_VERSION: '3' })).toContain('EDUFLEET_INFLUX_VERSION');
  });

  it('refuses a mirror without its token, org or bucket, and mirror options without a mirror URL', () => {
    const msg = refusal({ EDUFLEET_INFLUX_MIRROR_URL: 'https://ioc:8086' });
    for (const env of ['EDUFLEET_INFLUX_MIRROR_TOKEN', 'EDUFLEET_INFLUX_MIRROR_ORG', 'EDUFLEET_INFLUX_MIRROR_BUCKET']) expect(msg).toContain(`(${env}) is empty`);
    expect(refusal({ EDUFLEET_INFLUX_MIRROR_TOKEN: 't' })).toContain('influx.mirror.url (EDUFLEET_INFLUX_MIRROR_URL) is empty');
    expect(loadConfig({ env: { EDUFLEET_INFLUX_MIRROR_URL: 'https://ioc:8086', EDUFLEET_INFLUX_MIRROR_TOKEN: 't', EDUFLEET_INFLUX_MIRROR_ORG: 'ioc', EDUFLEET_INFLUX_MIRROR_BUCKET: 'b' } }).influx.mirror.bucket).toBe('b');
  });
});
