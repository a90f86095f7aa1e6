/**
 * The PROXY protocol (HAProxy's proxy-protocol.txt, versions 1 and 2): the few bytes a TCP proxy sends before the
 * client's own, naming the client's address. Read here off the raw socket, before admission, TLS, HTTP or aedes see a
 * byte, so that the per-address limits count the device and not the proxy (broker/listeners.ts decides whom to
 * believe). Parsed by hand rather than with aedes-protocol-decoder: its decoder needs the whole header in one chunk,
 * turns some IPv6 addresses into invalid text, and takes a v1 line of any length.
 */
import type net from 'node:net';

const V1 = Buffer.from('PROXY ', 'latin1');
const V2 = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
/** A v1 line is 107 bytes at most, CRLF included [proxy-protocol.txt 2.1]. */
const V1_MAX = 107;
/** Addresses and TLVs after the 16 fixed bytes: HAProxy sends 12 (IPv4) or 36 (IPv6) plus the TLVs it is asked for. */
const V2_MAX_BODY = 2048;

/** The client the proxy speaks for; none for a v2 LOCAL (the proxy's own health check) or a v1 UNKNOWN. */
export interface ProxySource { address: string; port: number }

export type ProxyHeader =
  /** A whole header of `length` bytes. */
  | { length: number; source: ProxySource | undefined; version: 1 | 2 }
  /** The bytes so far could still be a header. */
  | 'more'
  /** Not a PROXY header: the client's own bytes. */
  | 'none'
  | { bad: string };

/** Reads the header at the start of `head`, which may hold the client's first bytes after it. */
export function parseProxyHeader(head: Buffer): ProxyHeader {
  if (startsWith(head, V2)) return head.length < V2.length ? 'more' : parseV2(head);
  if (startsWith(head, V1)) return head.length < V1.length ? 'more' : parseV1(head);
  return 'none';
}

/** Whether `head` and `sig` agree over the shorter of the two. */
function startsWith(head: Buffer, sig: Buffer): boolean {
  const n = Math.min(head.length, sig.length);
  return n > 0 && head.subarray(0, n).equals(sig.subarray(0, n));
}

function parseV1(head: Buffer): ProxyHeader {
  const end = head.subarray(0, V1_MAX).indexOf('\r\n');
  if (end < 0) return head.length >= V1_MAX ? { bad: 'a PROXY v1 line longer than 107 bytes' } : 'more';
  const parts = head.subarray(0, end).toString('latin1').split(' ');
  if (parts[1] === 'UNKNOWN') return { length: end + 2, source: undefined, version: 1 };
  const [, proto, src = '', , sport = ''] = parts;
  const family = proto === 'TCP4' ? 4 : proto === 'TCP6' ? 6 : 0;
  const port = /^\d{1,5}$/.test(sport) ? Number(sport) : -1;
  if (parts.length !== 6 || !family || !isIP(src, family) || !isIP(parts[3] ?? '', family) || port > 65535 || port < 0) return { bad: `a malformed PROXY v1 line '${parts.join(' ').slice(0, 60)}'` };
  return { length: end + 2, source: { address: family === 6 ? ipv6(src) : src, port }, version: 1 };
}

function parseV2(head: Buffer): ProxyHeader {
  if (head.length < 16) return 'more';
  const verCmd = head[12]!;
  const fam = head[13]!;
  const body = head.readUInt16BE(14);
  if (verCmd >> 4 !== 2 || (verCmd & 15) > 1) return { bad: `a PROXY v2 header with version/command byte 0x${verCmd.toString(16)}` };
  if (body > V2_MAX_BODY) return { bad: `a PROXY v2 header announcing ${body} bytes` };
  if (head.length < 16 + body) return 'more';
  const length = 16 + body;
  // LOCAL: the proxy speaks for itself (its health check); UNSPEC or UNIX: no address to use.
  if ((verCmd & 15) === 0 || fam >> 4 === 0 || fam >> 4 === 3) return { length, source: undefined, version: 2 };
  if (fam >> 4 === 1 && body >= 12) return { length, source: { address: [...head.subarray(16, 20)].join('.'), port: head.readUInt16BE(24) }, version: 2 };
  if (fam >> 4 === 2 && body >= 36) return { length, source: { address: ipv6Bytes(head.subarray(16, 32)), port: head.readUInt16BE(48) }, version: 2 };
  return { bad: `a PROXY v2 header with family byte 0x${fam.toString(16)} and ${body} address bytes` };
}

const isIP = (a: string, family: 4 | 6) => (family === 4 ? /^(\d{1,3})(\.\d{1,3}){3}$/.test(a) && a.split('.').every((o) => Number(o) < 256) : ipv6Valid(a));

function ipv6Valid(a: string): boolean {
  try {
    new URL(`http://[${a}]/`);
    return a.includes(':');
  } catch {
    return false;
  }
}

/** One spelling per IPv6 address (the per-address buckets are keyed by it); an IPv4-mapped one in dotted form. */
function ipv6(a: string): string {
  const canonical = new URL(`http://[${a}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

function ipv6Bytes(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return ipv6(groups.join(':'));
}

export type Preamble = Exclude<ProxyHeader, 'more'> | 'timeout' | 'closed';

/**
 * Waits for the socket's first bytes and takes a PROXY header off them; whatever follows it is put back (unshift) for
 * the TLS, HTTP or MQTT reader that comes next. 'none' also puts back what was read. Gives up after `timeoutMs`.
 */
export function readPreamble(sock: net.Socket, timeoutMs: number): Promise<Preamble> {
  return new Promise((resolve) => {
    let head: Buffer = Buffer.alloc(0);
    const finish = (p: Preamble, rest?: Buffer) => {
      clearTimeout(timer);
      sock.off('readable', onReadable);
      sock.off('close', onClose);
      sock.off('error', onClose);
      if (rest?.length) sock.unshift(rest);
      resolve(p);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = sock.read() as Buffer | null) !== null) {
        head = head.length ? Buffer.concat([head, chunk]) : chunk;
        const h = parseProxyHeader(head);
        if (h === 'more') continue;
        if (h === 'none') return finish(h, head);
        if ('bad' in h) return finish(h);
        return finish(h, head.subarray(h.length));
      }
    };
    const onClose = () => finish('closed');
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    sock.on('readable', onReadable);
    sock.once('close', onClose);
    // A reset while waiting: nobody else listens for the socket's errors yet, and an unheard one would end the process.
    sock.once('error', onClose);
  });
}
