import { describe, expect, it } from 'vitest';
import { parseProxyHeader } from '../../broker/proxy-header.js';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** A v2 header: version/command, family, then the address block. */
function v2(verCmd: number, fam: number, block: Buffer): Buffer {
  const h = Buffer.alloc(16);
  SIG.copy(h);
  h[12] = verCmd;
  h[13] = fam;
  h.writeUInt16BE(block.length, 14);
  return Buffer.concat([h, block]);
}

function ipv6Block(src: number[], port: number): Buffer {
  const b = Buffer.alloc(36);
  Buffer.from(src).copy(b, 0);
  b[31] = 1; // destination ::1
  b.writeUInt16BE(port, 32);
  b.writeUInt16BE(1883, 34);
  return b;
}

describe('reading a PROXY protocol header (v1 and v2)', () => {
  it('reads a v2 IPv4 header and leaves the bytes after it to the client', () => {
    const h = v2(0x21, 0x11, Buffer.from([10, 20, 30, 40, 127, 0, 0, 1, 0x9c, 0x40, 0x07, 0x5b]));
    expect(parseProxyHeader(Buffer.concat([h, Buffer.from([0x10, 0x0d])]))).toEqual({ length: 28, source: { address: '10.20.30.40', port: 40000 }, version: 2 });
  });

  it('writes an IPv6 source in one spelling, and an IPv4-mapped one in dotted form', () => {
    const doc = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];
    expect(parseProxyHeader(v2(0x21, 0x21, ipv6Block(doc, 5000)))).toMatchObject({ source: { address: '2001:db8::7', port: 5000 } });
    const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 9];
    expect(parseProxyHeader(v2(0x21, 0x21, ipv6Block(mapped, 5000)))).toMatchObject({ source: { address: '192.0.2.9' } });
    expect(parseProxyHeader(Buffer.from('PROXY TCP6 2001:DB8:0:0::7 ::1 5000 1883\r\n'))).toMatchObject({ source: { address: '2001:db8::7' } });
  });

  it('asks for more bytes while a header is incomplete, however it is cut', () => {
    const whole = v2(0x21, 0x11, Buffer.from([10, 0, 0, 1, 127, 0, 0, 1, 0, 1, 0, 2]));
    for (let n = 1; n < whole.length; n++) expect(parseProxyHeader(whole.subarray(0, n))).toBe('more');
    const line = Buffer.from('PROXY TCP4 10.0.0.1 127.0.0.1 1 2\r\n');
    for (let n = 1; n < line.length; n++) expect(parseProxyHeader(line.subarray(0, n))).toBe('more');
    expect(parseProxyHeader(line)).toEqual({ length: line.length, source: { address: '10.0.0.1', port: 1 }, version: 1 });
  });

  it('a LOCAL v2 header or a v1 UNKNOWN names no client: the proxy speaks for itself', () => {
    expect(parseProxyHeader(v2(0x20, 0x00, Buffer.alloc(0)))).toEqual({ length: 16, source: undefined, version: 2 });
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toEqual({ length: 15, source: undefined, version: 1 });
  });

  it('a client\'s own first bytes are not a header (MQTT CONNECT, a TLS hello, an HTTP upgrade)', () => {
    for (const first of [[0x10, 0x0d], [0x16, 0x03, 0x01], [...Buffer.from('GET /mqtt')]]) expect(parseProxyHeader(Buffer.from(first))).toBe('none');
  });

  it('refuses a malformed or oversized header instead of waiting for ever', () => {
    expect(parseProxyHeader(Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`))).toMatchObject({ bad: expect.stringContaining('107 bytes') });
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 10.0.0.300 127.0.0.1 1 2\r\n'))).toHaveProperty('bad');
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 10.0.0.1 127.0.0.1 99999 2\r\n'))).toHaveProperty('bad');
    expect(parseProxyHeader(v2(0x31, 0x11, Buffer.alloc(12)))).toHaveProperty('bad');
    const huge = Buffer.alloc(16);
    SIG.copy(huge);
    huge[12] = 0x21;
    huge[13] = 0x11;
    huge.writeUInt16BE(60_000, 14);
    expect(parseProxyHeader(huge)).toMatchObject({ bad: expect.stringContaining('60000 bytes') });
  });
});
