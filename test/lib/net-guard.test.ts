/**
 * The address guard in memory: which addresses are inside, IPv4-mapped IPv6 included, what the URL forms resolve to,
 * that every address of a name must pass, and the admin's allowed targets. No connection is made here.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkTarget, isInternalAddress, type Lookup } from '../../lib/net-guard.js';

const resolvesTo = (map: Record<string, string[]>): Lookup => async (host) => {
  const list = map[host];
  if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('the address guard of user-chosen targets', () => {
  it('refuses loopback, private, CGNAT, link-local, unspecified, multicast, broadcast and ULA addresses, mapped or not', () => {
    for (const ip of ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '169.254.169.254',
      '0.0.0.0', '224.0.0.1', '239.255.255.250', '255.255.255.255', '::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '::ffff:10.0.0.1']) {
      expect(isInternalAddress(ip), ip).toBe(true);
    }
  });

  it('lets public addresses through', () => {
    for (const ip of ['8.8.8.8', '14.225.10.20', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8']) expect(isInternalAddress(ip), ip).toBe(false);
  });

  it('refuses the host\'s own interface addresses', () => {
    const own = Object.values(os.networkInterfaces()).flatMap((l) => l ?? []).map((a) => a.address);
    expect(own.length).toBeGreaterThan(0);
    for (const ip of own) expect(isInternalAddress(ip), ip).toBe(true);
  });

  it('checks IP literals of every written form without a lookup', async () => {
    const lookup: Lookup = () => { throw new Error('no lookup expected'); };
    for (const url of ['http://127.0.0.1:8086/query?q=DROP+DATABASE+edufleet', 'http://[::1]/', 'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.7/', 'http://[::ffff:127.0.0.1]/', 'http://2130706433/', 'http://0x7f.1/', 'http://0/']) {
      expect(await checkTarget(url, { lookup }), url).toEqual({ ok: false, refusal: 'private' });
    }
    const ok = await checkTarget('https://14.225.10.20:8443/hook', { lookup });
    expect(ok).toMatchObject({ ok: true, target: { address: '14.225.10.20', host: '14.225.10.20', port: 8443 } });
  });

  it('refuses a name when any of its addresses is inside, and pins the address it checked', async () => {
    const lookup = resolvesTo({ 'hooks.truong.vn': ['14.225.10.20'], 'mixed.truong.vn': ['14.225.10.20', '127.0.0.1'], 'rebind.truong.vn': ['::1'] });
    expect(await checkTarget('https://hooks.truong.vn/edufleet', { lookup })).toMatchObject({ ok: true, target: { host: 'hooks.truong.vn', address: '14.225.10.20', port: 443 } });
    expect(await checkTarget('https://mixed.truong.vn/', { lookup })).toEqual({ ok: false, refusal: 'private' });
    expect(await checkTarget('http://rebind.truong.vn/', { lookup })).toEqual({ ok: false, refusal: 'private' });
    expect(await checkTarget('http://unknown.truong.vn/', { lookup })).toEqual({ ok: false, refusal: 'unresolved' });
  });

  it('refuses other schemes and URLs with credentials', async () => {
    for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1:6379/', 'ftp://hooks.truong.vn/', 'http://user:pass@14.225.10.20/', 'không phải url']) {
      expect(await checkTarget(url), url).toEqual({ ok: false, refusal: 'scheme' });
    }
  });

  it('allows the internal targets an admin named, by host or by host and port only', async () => {
    const lookup = resolvesTo({ 'hooks.so.lan': ['10.20.0.5'] });
    const allowedTargets = ['hooks.so.lan:8443', '127.0.0.1', '[::1]:9000'];
    expect(await checkTarget('https://hooks.so.lan:8443/x', { lookup, allowedTargets })).toMatchObject({ ok: true, target: { address: '10.20.0.5' } });
    expect(await checkTarget('https://hooks.so.lan/x', { lookup, allowedTargets })).toEqual({ ok: false, refusal: 'private' });
    expect(await checkTarget('http://127.0.0.1:1234/', { allowedTargets })).toMatchObject({ ok: true });
    expect(await checkTarget('http://[::1]:9000/', { allowedTargets })).toMatchObject({ ok: true, target: { address: '::1', family: 6 } });
    expect(await checkTarget('http://[::1]:9001/', { allowedTargets })).toEqual({ ok: false, refusal: 'private' });
  });
});
