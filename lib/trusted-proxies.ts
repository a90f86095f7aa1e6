/**
 * The addresses a proxy may speak for a client from: `mqtt.trustedProxies` (PROXY protocol headers, broker/listeners.ts)
 * and `dashboard.trustedProxies` (X-Forwarded-For, dashboard/server/app.ts). One syntax for both: an address or a CIDR
 * range, IPv4 or IPv6, checked at start so that a typo fails there and not as "every device is refused".
 */
import net from 'node:net';
import { EdufleetError } from './errors.js';

/** The IPv4 address of an IPv4-mapped IPv6 one: a dual-stack listener reports 127.0.0.2 as ::ffff:127.0.0.2. */
export const plainAddress = (a: string): string => (a.toLowerCase().startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a);

/** Addresses whose answer is remembered. */
const SEEN_MAX = 4096;

export interface TrustedProxies {
  /** Whether a connection from `address` (as the socket reports it) comes from a trusted proxy. */
  has(address: string | undefined): boolean;
  readonly size: number;
}

/** Reads `entries` of the option named `option`; throws EDUFLEET_ERR_CONFIG_INVALID naming every bad entry. */
export function trustedProxies(option: string, entries: readonly string[]): TrustedProxies {
  const list = new net.BlockList();
  const bad: string[] = [];
  for (const entry of entries) {
    const [address = '', bits, extra] = entry.trim().split('/');
    const family = net.isIP(address);
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (!family || extra !== undefined || !/^\d+$/.test(String(prefix)) || prefix > (family === 6 ? 128 : 32)) {
      bad.push(entry);
      continue;
    }
    // An IPv4-mapped entry (::ffff:10.0.0.5) means the IPv4 address: connections are compared in plain form.
    const plain = plainAddress(address);
    list.addSubnet(plain, plain === address ? prefix : Math.max(0, prefix - 96), net.isIPv4(plain) ? 'ipv4' : 'ipv6');
  }
  if (bad.length) {
    throw new EdufleetError('EDUFLEET_ERR_CONFIG_INVALID', `${option}: ${bad.map((b) => `'${b}'`).join(', ')} is not an address or a CIDR range (e.g. 10.0.0.5, 10.0.0.0/24, fd00::/8)`);
  }
  // BlockList.check costs tens of µs (an address object per call), and the broker asks on every accepted socket:
  // a failover's thousands of reconnects come from the same few proxies. Bounded: cleared when full.
  const seen = new Map<string, boolean>();
  return {
    size: entries.length,
    has(address) {
      if (!address || entries.length === 0) return false;
      let yes = seen.get(address);
      if (yes === undefined) {
        const a = plainAddress(address);
        const family = net.isIP(a);
        yes = family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
        if (seen.size >= SEEN_MAX) seen.clear();
        seen.set(address, yes);
      }
      return yes;
    },
  };
}
