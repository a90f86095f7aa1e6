import { describe, expect, it } from 'vitest';
import { trustedProxies } from '../../lib/trusted-proxies.js';

describe('trusted proxy addresses', () => {
  it('matches addresses and CIDR ranges, IPv4 also when a dual-stack socket reports it IPv4-mapped', () => {
    const t = trustedProxies('mqtt.trustedProxies', ['10.0.0.5', '10.1.0.0/29', 'fd00::/8', '::ffff:192.0.2.1']);
    expect(['10.0.0.5', '::ffff:10.0.0.5', '10.1.0.7', 'fd12::1', '192.0.2.1'].map((a) => t.has(a))).toEqual([true, true, true, true, true]);
    expect(['10.0.0.6', '10.1.0.8', 'fe80::1', undefined, ''].map((a) => t.has(a))).toEqual([false, false, false, false, false]);
  });

  it('an entry that is not an address or a CIDR range is an error naming the option and every bad entry', () => {
    expect(() => trustedProxies('mqtt.trustedProxies', ['10.0.0.5', 'haproxy1', '10.0.0.0/33', '10.0.0.0/8/1']))
      .toThrow(expect.objectContaining({ code: 'EDUFLEET_ERR_CONFIG_INVALID', message: "mqtt.trustedProxies: 'haproxy1', '10.0.0.0/33', '10.0.0.0/8/1' is not an address or a CIDR range (e.g. 10.0.0.5, 10.0.0.0/24, fd00::/8)" }));
  });
});
