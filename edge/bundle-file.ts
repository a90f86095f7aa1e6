/**
 * The down bundle's file (`.efb`, docs/architecture.md "Edge nodes (issue 21)"): a magic line, a JSON header (format
 * and version, edge, site, bundle version, created time, the province's Ed25519 public key, the ephemeral X25519 key
 * and nonce, the ciphertext's size and SHA-256), the province's signature of that header line, then the ciphertext.
 * The content (gzipped JSON) is encrypted for the edge's X25519 key because it carries credential verifiers: an
 * ephemeral X25519 key agreement, HKDF-SHA256 bound to the edge id and bundle version, AES-256-GCM; all node:crypto,
 * nothing home-made beyond composing these standard primitives (the ECIES pattern of RFC 9180's base mode). The
 * signature covers the header and the header the ciphertext, so the edge checks who made it and that nothing changed
 * before it decrypts anything; GCM's tag then proves the key was this edge's.
 */
import { createCipheriv, createDecipheriv, createHash, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { EdufleetError } from '../lib/errors.js';
import { publicKey, verifySignature, type EdgeKeys } from './keys.js';

/** The province's signing key: its private half and its public half as base64 raw (edge/bundle.ts, provinceKeys). */
export interface SigningKey { signKey: string; signPrivate: KeyObject }

export const BUNDLE_FORMAT = 'edufleet-edge-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
const MAGIC = 'EDUFLEET-EDGE-BUNDLE\n';
const MAX_HEADER = 64 * 1024;

export interface BundleHeader {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  /** The edge it is for, and its site code as the province names it. */
  edge: string;
  site: string;
  /** Monotonic per edge: an edge refuses one older than the one it applied. */
  version: number;
  createdAt: number;
  /** The province's Ed25519 public key (base64 raw), which signed this header. */
  province: string;
  /** The ephemeral X25519 public key (base64 raw) and the AES-GCM nonce (base64). */
  epk: string;
  iv: string;
  body: { bytes: number; sha256: string };
}

/** A bundle whose header was read: not yet verified. */
export interface OpenedBundle { header: BundleHeader; headerLine: Buffer; signature: string; body: Buffer }

const fail = (what: 'FILE' | 'TRUNCATED' | 'TAMPERED' | 'SIGNATURE' | 'FOREIGN', message: string) => new EdufleetError(`EDUFLEET_ERR_EDGE_BUNDLE_${what}`, message);

/** The key both sides derive: bound to the ephemeral key, the edge's key, the edge and the version. */
function contentKey(shared: Buffer, epk: string, edgeBoxKey: string, edge: string, version: number): Buffer {
  const salt = Buffer.concat([Buffer.from(epk, 'base64'), Buffer.from(edgeBoxKey, 'base64')]);
  return Buffer.from(hkdfSync('sha256', shared, salt, `${BUNDLE_FORMAT} v${BUNDLE_FORMAT_VERSION} ${edge} ${version}`, 32));
}
const aad = (edge: string, version: number) => Buffer.from(`${BUNDLE_FORMAT}|${edge}|${version}`, 'utf8');

/** A human-checkable fingerprint of a public key (base64 raw): SHA-256, the first 80 bits in groups of four hex digits. */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 20).match(/.{4}/g)!.join(' ');
}

/** Encrypts `content` for the edge's X25519 key and signs the header with the province's key. */
export function sealBundle(content: object, o: { province: SigningKey; edge: string; edgeBoxKey: string; site: string; version: number; createdAt: number }): Buffer {
  const eph = generateKeyPairSync('x25519');
  const epk = (eph.publicKey.export({ format: 'der', type: 'spki' })).subarray(12).toString('base64');
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: publicKey('x25519', o.edgeBoxKey) });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', contentKey(shared, epk, o.edgeBoxKey, o.edge, o.version), iv);
  cipher.setAAD(aad(o.edge, o.version));
  const body = Buffer.concat([cipher.update(gzipSync(JSON.stringify(content))), cipher.final(), cipher.getAuthTag()]);
  const header: BundleHeader = {
    format: BUNDLE_FORMAT, formatVersion: BUNDLE_FORMAT_VERSION, edge: o.edge, site: o.site, version: o.version, createdAt: o.createdAt,
    province: o.province.signKey, epk, iv: iv.toString('base64'), body: { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') },
  };
  const headerLine = Buffer.from(JSON.stringify(header), 'utf8');
  return Buffer.concat([Buffer.from(MAGIC), headerLine, Buffer.from(`\n${sign(null, headerLine, o.province.signPrivate).toString('base64')}\n`), body]);
}

/** Reads a bundle's header; EDUFLEET_ERR_EDGE_BUNDLE_FILE, _TRUNCATED or _TAMPERED when it has no readable one. */
export function openBundle(buf: Buffer): OpenedBundle {
  const magic = Buffer.from(MAGIC);
  const n = Math.min(buf.length, magic.length);
  if (n === 0 || !buf.subarray(0, n).equals(magic.subarray(0, n))) throw fail('FILE', `not an EduFleet down bundle (it should start with "${MAGIC.trim()}")`);
  const h1 = buf.indexOf(10, magic.length);
  const h2 = h1 < 0 ? -1 : buf.indexOf(10, h1 + 1);
  if (h2 < 0) {
    if (buf.length < MAX_HEADER) throw fail('TRUNCATED', 'the bundle ends inside its header: the copy is incomplete');
    throw fail('FILE', `the bundle's header is longer than ${MAX_HEADER} bytes`);
  }
  const headerLine = buf.subarray(magic.length, h1);
  let header: BundleHeader;
  try {
    header = JSON.parse(headerLine.toString('utf8')) as BundleHeader;
  } catch {
    throw fail('TAMPERED', 'the bundle\'s header is not readable JSON (changed after the province made it)');
  }
  if (header.format !== BUNDLE_FORMAT) throw fail('FILE', `format '${String(header.format)}', expected '${BUNDLE_FORMAT}'`);
  if (header.formatVersion !== BUNDLE_FORMAT_VERSION) throw fail('FILE', `format version ${String(header.formatVersion)}; this EduFleet reads version ${BUNDLE_FORMAT_VERSION}`);
  return { header, headerLine: Buffer.from(headerLine), signature: buf.subarray(h1 + 1, h2).toString('ascii'), body: buf.subarray(h2 + 1) };
}

/**
 * Checks the bundle is for `keys`' edge, signed by `trusted` (the province key the edge trusts) and whole, then
 * decrypts it. Nothing is decrypted before every check passed.
 */
export function unsealBundle(x: OpenedBundle, o: { keys: EdgeKeys; trusted: string }): Buffer {
  const h = x.header;
  if (h.edge !== o.keys.id) throw fail('FOREIGN', `the bundle is for edge ${String(h.edge)}; this is edge ${o.keys.id}`);
  if (h.province !== o.trusted) throw fail('SIGNATURE', `the bundle is signed by province key ${keyFingerprint(String(h.province))}; this edge trusts ${keyFingerprint(o.trusted)}`);
  if (!verifySignature(o.trusted, x.headerLine, x.signature)) throw fail('TAMPERED', 'the bundle\'s header does not match the province\'s signature (changed after it was made)');
  if (x.body.length < h.body.bytes) throw fail('TRUNCATED', `the bundle holds ${x.body.length} of its ${h.body.bytes} bytes: the copy is incomplete`);
  if (x.body.length > h.body.bytes) throw fail('TAMPERED', `the bundle has ${x.body.length - h.body.bytes} bytes more than the province wrote`);
  if (createHash('sha256').update(x.body).digest('hex') !== h.body.sha256) throw fail('TAMPERED', 'the bundle\'s content was changed after the province signed it');
  let plain: Buffer;
  try {
    const shared = diffieHellman({ privateKey: o.keys.boxPrivate, publicKey: publicKey('x25519', h.epk) as KeyObject });
    const decipher = createDecipheriv('aes-256-gcm', contentKey(shared, h.epk, o.keys.boxKey, h.edge, h.version), Buffer.from(h.iv, 'base64'));
    decipher.setAAD(aad(h.edge, h.version));
    decipher.setAuthTag(x.body.subarray(x.body.length - 16));
    plain = Buffer.concat([decipher.update(x.body.subarray(0, x.body.length - 16)), decipher.final()]);
  } catch (err) {
    // The signed digest matched, so the ciphertext is the province's: it was encrypted for another key of this edge id.
    throw new EdufleetError('EDUFLEET_ERR_EDGE_BUNDLE_FOREIGN', 'the bundle cannot be decrypted with this edge\'s key (made for another key)', { cause: err });
  }
  return gunzipSync(plain);
}
