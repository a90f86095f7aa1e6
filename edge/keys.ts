/**
 * An edge's two key pairs, made on first use in its data directory (`<dataDir>/edge/keys.json`, 0600): Ed25519 signs
 * what it sends up (export files, later the link's batches), X25519 lets the province encrypt what it sends down (the
 * down bundle carries credential verifiers). The public halves, base64 of the raw 32 bytes, are what the province's
 * admin registers (`edufleet edge add`); the edge's id is derived from its signing key, so both sides name it alike
 * without a round trip.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EdufleetError } from '../lib/errors.js';
import { ensurePrivateDir, writePrivateFile } from '../lib/private-files.js';

export interface EdgeKeys {
  id: string;
  /** base64 of the raw public keys. */
  signKey: string;
  boxKey: string;
  signPrivate: KeyObject;
  boxPrivate: KeyObject;
}

/** DER prefixes of an SPKI public key around the raw 32 bytes (RFC 8410). */
const SPKI = { ed25519: Buffer.from('302a300506032b6570032100', 'hex'), x25519: Buffer.from('302a300506032b656e032100', 'hex') };

const rawPublic = (k: KeyObject): string => (k.export({ format: 'der', type: 'spki' })).subarray(12).toString('base64');

/** The edge id of a signing key: short enough to type, long enough never to collide in a province. */
export const edgeIdOf = (signKey: string): string => `edge-${createHash('sha256').update(Buffer.from(signKey, 'base64')).digest('hex').slice(0, 16)}`;

/** A public key from its base64 raw form; EDUFLEET_ERR_EDGE_KEYS if it is not one. */
export function publicKey(kind: keyof typeof SPKI, b64: string): KeyObject {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== b64) throw new EdufleetError('EDUFLEET_ERR_EDGE_KEYS', `not a base64 ${kind} public key of 32 bytes: '${b64}'`);
  return createPublicKey({ key: Buffer.concat([SPKI[kind], raw]), format: 'der', type: 'spki' });
}

/** The edge's keys in `dir`, made (and written 0600) on first use. */
export function edgeKeys(dir: string): EdgeKeys {
  const file = path.join(dir, 'keys.json');
  if (!existsSync(file)) {
    ensurePrivateDir(dir);
    const pem = (k: KeyObject) => k.export({ format: 'pem', type: 'pkcs8' }).toString();
    const s = generateKeyPairSync('ed25519').privateKey;
    const b = generateKeyPairSync('x25519').privateKey;
    // 'wx': two first uses at once must not each write their own keys.
    try {
      writePrivateFile(file, JSON.stringify({ sign: pem(s), box: pem(b) }, null, 2), 'wx');
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
    }
  }
  let stored: { sign: string; box: string };
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as { sign: string; box: string };
  } catch (err) {
    throw new EdufleetError('EDUFLEET_ERR_EDGE_KEYS', `cannot read ${file}`, { cause: err });
  }
  const signPrivate = createPrivateKey(stored.sign);
  const boxPrivate = createPrivateKey(stored.box);
  const signKey = rawPublic(createPublicKey(signPrivate));
  return { id: edgeIdOf(signKey), signKey, boxKey: rawPublic(createPublicKey(boxPrivate)), signPrivate, boxPrivate };
}

export const signBytes = (keys: EdgeKeys, data: Buffer): string => sign(null, data, keys.signPrivate).toString('base64');

/** Whether `signature` (base64) is `signKey`'s (base64 raw Ed25519) over `data`. */
export function verifySignature(signKey: string, data: Buffer, signature: string): boolean {
  try {
    return verify(null, data, publicKey('ed25519', signKey), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
