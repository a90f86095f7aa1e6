/**
 * The address guard of outgoing requests that a user chose the target of (webhooks): a URL is resolved once, every
 * address it resolves to must be public, and the caller then connects to exactly the address checked, so a name
 * that resolves to a public address now and to 127.0.0.1 a moment later (DNS rebinding) cannot reach inside. What is
 * refused: loopback, link-local (169.254/16 holds the cloud metadata service), private (RFC 1918, 100.64/10 CGNAT,
 * ULA fc00::/7), unspecified, multicast, broadcast and reserved ranges, the same written as IPv4-mapped IPv6, and
 * this host's own interface addresses. An admin may name internal targets that are allowed all the same
 * (`alerts.webhookAllowedTargets`, "host" or "host:port").
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';

export interface ResolvedAddress { address: string; family: 4 | 6 }
/** Resolves a host name to all its addresses; injectable so a test decides what a name resolves to. */
export type Lookup = (host: string) => Promise<ResolvedAddress[]>;

export const systemLookup: Lookup = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** A target the guard let through: connect to `address`, keep `url.hostname` as the Host header and TLS name. */
export interface CheckedTarget { url: URL; host: string; port: number; address: string; family: 4 | 6 }
/**
 * Why a target was refused. `private`: it resolves to an address inside (the words shown are the same whatever the
 * address, so the delivery log does not map the internal network); `scheme`: not http(s) or not a URL;
 * `unresolved`: the name has no address.
 */
export type Refusal = 'private' | 'scheme' | 'unresolved';
export type GuardResult = { ok: true; target: CheckedTarget } | { ok: false; refusal: Refusal };

const BLOCKED = new net.BlockList();
for (const [net4, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net4, bits, 'ipv4');
for (const [net6, bits] of [
  ['::', 96], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) BLOCKED.addSubnet(net6, bits, 'ipv6');

/** `::ffff:127.0.0.1` (and `::ffff:7f00:1`) is 127.0.0.1: the IPv4 address an IPv4-mapped IPv6 address carries. */
function unmapped(ip: string): { address: string; family: 4 | 6 } {
  const m = /^::ffff:(?:0:)?(.+)$/i.exec(ip);
  if (m) {
    const rest = m[1]!;
    if (net.isIPv4(rest)) return { address: rest, family: 4 };
    const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(rest);
    if (hex) {
      const n = (parseInt(hex[1]!, 16) << 16 >>> 0) + parseInt(hex[2]!, 16);
      return { address: [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'), family: 4 };
    }
  }
  return { address: ip, family: net.isIPv4(ip) ? 4 : 6 };
}

/** Addresses of this host's interfaces (a public address of the server itself is inside too). */
function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) out.add(unmapped(a.address.split('%')[0]!).address.toLowerCase());
  return out;
}

/** Whether `ip` is an address no user-chosen request may reach. */
export function isInternalAddress(ip: string): boolean {
  const { address, family } = unmapped(ip.split('%')[0]!);
  if (family === 4 ? !net.isIPv4(address) : !net.isIPv6(address)) return true;
  if (address === '255.255.255.255' || BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
  return ownAddresses().has(address.toLowerCase());
}

/** An allowed-target entry as host and port: "hooks.lan", "hooks.lan:8080", "10.0.0.5:80", "[fd00::5]:443", "fd00::5". */
function parseEntry(entry: string): { host: string; port: number | undefined } {
  const e = entry.trim().toLowerCase();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(e);
  if (v6) return { host: v6[1]!, port: v6[2] === undefined ? undefined : Number(v6[2]) };
  const colons = e.split(':').length - 1;
  if (colons !== 1) return { host: e, port: undefined };
  const [host, port] = e.split(':');
  return { host: host!, port: Number(port) };
}

/** Whether `host:port` is one of the admin's allowed internal targets ("host" allows every port of it). */
function allowed(list: readonly string[], host: string, port: number): boolean {
  return list.map(parseEntry).some((e) => e.host === host && (e.port === undefined || e.port === port));
}

/**
 * Checks `raw` and resolves its host once. The caller must connect to the returned address (see
 * alerts/notify/send.ts) rather than resolve the name again.
 */
export async function checkTarget(raw: string, o: { lookup?: Lookup; allowedTargets?: readonly string[] } = {}): Promise<GuardResult> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, refusal: 'scheme' };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.username || url.password) return { ok: false, refusal: 'scheme' };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  let addresses: ResolvedAddress[];
  if (net.isIP(host)) addresses = [{ address: host, family: net.isIPv4(host) ? 4 : 6 }];
  else {
    try {
      addresses = await (o.lookup ?? systemLookup)(host);
    } catch {
      return { ok: false, refusal: 'unresolved' };
    }
  }
  if (!addresses.length) return { ok: false, refusal: 'unresolved' };
  // Every address must pass, not just the first: a name with one public and one internal address is refused.
  if (!allowed(o.allowedTargets ?? [], host, port) && addresses.some((a) => isInternalAddress(a.address))) return { ok: false, refusal: 'private' };
  const first = addresses[0]!;
  return { ok: true, target: { url, host, port, address: first.address, family: first.family } };
}
