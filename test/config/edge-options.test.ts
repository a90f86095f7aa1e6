/** The options of an edge node (issue 21): refused with what to set when they cannot work together. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';

describe('the edge node options', () => {
  it('refuses an edge node without its site, with Redis, with an uplink that is not MQTT, or with a CA file that is not there, listing every error', () => {
    const run = () => loadConfig({ env: {
      EDUFLEET_EDGE_ENABLED: 'true', EDUFLEET_REDIS_URL: 'redis://10.0.0.5:6379', EDUFLEET_REGISTRY_URL: 'postgres://edufleet@10.0.0.6/edufleet',
      EDUFLEET_EDGE_UPLINK_URL: 'https://so.example', EDUFLEET_EDGE_UPLINK_CA_FILE: '/nonexistent/ca.pem',
    } });
    expect(run).toThrow(/edge\.site \(EDUFLEET_EDGE_SITE\) is empty/);
    expect(run).toThrow(/an edge node runs alone at its school; leave redis\.url empty/);
    expect(run).toThrow(/edge\.uplink\.url \(EDUFLEET_EDGE_UPLINK_URL\) must be mqtts:\/\/host:port/);
    expect(run).toThrow(/edge\.uplink\.caFile \(EDUFLEET_EDGE_UPLINK_CA_FILE\): no file \/nonexistent\/ca\.pem/);
  });

  it('refuses an uplink on a process that is not an edge node', () => {
    expect(() => loadConfig({ env: { EDUFLEET_EDGE_UPLINK_URL: 'mqtts://so.example:8883' } })).toThrow(/only an edge node \(`edufleet start --edge`\) has an uplink/);
  });

  it('accepts an edge node with its site and an mqtts uplink, sending the backlog at 2,000 records a second by default', () => {
    const c = loadConfig({ env: { EDUFLEET_EDGE_ENABLED: 'true', EDUFLEET_EDGE_SITE: 'LC-THPT-BAT-XAT', EDUFLEET_EDGE_UPLINK_URL: 'mqtts://mqtt.sogddt.example:8883' } });
    expect(c.edge).toMatchObject({ enabled: true, site: 'LC-THPT-BAT-XAT', backlogRatePerSec: 2000, uplink: { url: 'mqtts://mqtt.sogddt.example:8883', batchBytes: 131072 } });
  });
});
