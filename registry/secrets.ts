import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

function scryptAsync(secret: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * Cost parameters. Device secrets are 256 random bits, so brute force is hopeless at any cost and a lighter scrypt
 * (N=2^10) keeps ten thousand devices reconnecting after a broker restart from stalling it; user passwords are
 * chosen by people and get the usual N=2^15. The parameters are stored in each hash, so raising them later
 * keeps old hashes readable.
 */
export const DEVICE_COST = { N: 1 << 10, r: 8, p: 1 } as const;
export const PASSWORD_COST = { N: 1 << 15, r: 8, p: 1 } as const;

/** `scrypt$N$r$p$salt$hash`, base64url parts. */
export async function hashSecret(secret: string, cost: { N: number; r: number; p: number } = DEVICE_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r });
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length, { ...cost, maxmem: 256 * cost.N * cost.r });
  return timingSafeEqual(key, expected);
}

/** A new device secret: 32 random bytes, base64url (43 characters, safe in an MQTT password and a QR code). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Characters of a secret of at least 256 bits in base64url, the form newSecret issues. */
const STRONG_SECRET_CHARS = 43;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The fast verifier of a device secret that has passed scrypt against `hash`: HMAC-SHA256 keyed with that scrypt record,
 * so it is salted and stops matching the moment the secret is rotated. Safe at rest only because the secret is
 * 256 random bits (docs/security.md): undefined for anything that does not look like one, which then keeps paying
 * scrypt after each restart.
 */
export function secretVerifier(secret: string, hash: string): string | undefined {
  if (secret.length < STRONG_SECRET_CHARS || !BASE64URL.test(secret)) return undefined;
  return hmacVerifier(secret, hash);
}

/** The verifier without the strength check: kept in memory only (as before, a reconnect skips scrypt) for any secret. */
export function hmacVerifier(secret: string, hash: string): string {
  return `hmac-sha256$${createHmac('sha256', hash).update(secret).digest('base64url')}`;
}

/** Whether `secret` matches a verifier made against `hash`, in constant time. */
export function matchesVerifier(secret: string, hash: string, verifier: string): boolean {
  const mine = Buffer.from(hmacVerifier(secret, hash));
  const theirs = Buffer.from(verifier);
  return mine.length === theirs.length && timingSafeEqual(mine, theirs);
}
