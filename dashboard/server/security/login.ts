import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import { EdufleetError } from '../../../lib/errors.js';
import { hashSecret, newSecret, PASSWORD_COST, verifySecret, type RegistryStore, type User } from '../../../registry/index.js';

/** Every password a login attempt checked against the dummy hash: the test's proof that unknown users cost the same. */
let dummyVerifications = 0;
export const dummyVerifyCount = (): number => dummyVerifications;

let dummyHash: Promise<string> | undefined;
/** A hash of a password nobody knows, made with the same cost as real ones, once per process. */
const dummy = () => (dummyHash ??= hashSecret(newSecret(), PASSWORD_COST));

/** What a login attempt proved: the user, or on failure the id of the account the name belongs to (if any). */
export interface LoginOutcome { user?: User; accountId?: number }

/**
 * The user a name and password belong to, with the same scrypt work whether or not the name exists: an unknown
 * name is checked against a dummy hash, so the time of the answer does not tell who has an account. A failure
 * names the account attacked when the name is a real one, and nothing when it is not: what was typed (a typo, or a
 * password typed into the wrong field) never leaves this function.
 */
export async function verifyLogin(registry: RegistryStore, username: string, password: string): Promise<LoginOutcome> {
  const account = await registry.userByName(username);
  if (account) {
    const user = await registry.verifyUser(username, password);
    return user ? { user } : { accountId: account.id };
  }
  dummyVerifications++;
  await verifySecret(password, await dummy());
  return {};
}

export interface LoginLimits {
  perAddressPerMin: number;
  /** On one user name from one address. */
  perUserPerMin: number;
  /** On one user name from all addresses together, except `capExempt`. */
  perUserAnyAddressPerMin: number;
  capExempt: readonly string[];
}

type StoreCallback = (err: Error | null, res?: { current: number; ttl: number }) => void;
/** Old windows are forgotten every this many hits (a row per address and user name tried). */
const PURGE_EVERY = 1000;

/**
 * @fastify/rate-limit's store on the registry: the counts live where every dashboard process sees them, so the
 * limits hold for the deployment, not per process. Its clock is the stack's.
 */
function registryStore(registry: RegistryStore, now: () => number) {
  let hits = 0;
  return class RegistryRateStore {
    incr(key: string, cb: StoreCallback, timeWindow: number): void {
      const at = now();
      if (++hits % PURGE_EVERY === 0) void registry.purgeRateLimits(at - 3_600_000).catch(() => undefined);
      registry.hitRateLimit(key, at, timeWindow).then((h) => cb(null, { current: h.count, ttl: h.windowStart + timeWindow - at }), (err: Error) => cb(err));
    }

    read(key: string, cb: StoreCallback, timeWindow: number): void {
      const at = now();
      registry.peekRateLimit(key, at, timeWindow).then((h) => cb(null, { current: h.count, ttl: h.count ? h.windowStart + timeWindow - at : 0 }), (err: Error) => cb(err));
    }

    child(): RegistryRateStore { return this; }
  };
}
type Limiter = (req: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number }>;
type CreateRateLimit = (o: { max: number; timeWindow: number; keyGenerator: (req: FastifyRequest) => string }) => Limiter;

const plain = (a: string) => (a.startsWith('::ffff:') ? a.slice(7) : a);
/**
 * The user name in a counter's key: an HMAC of it, lower-cased, keyed with the session secret (the same in every
 * dashboard process), so the registry's `rate_limits` rows do not keep what people typed, and a copy of the registry
 * alone cannot test guesses against them (a password typed into the name field would otherwise sit there an hour).
 */
const nameKey = (key: string, req: FastifyRequest) =>
  createHmac('sha256', key).update(String((req.body as { username?: unknown } | undefined)?.username ?? '').toLowerCase()).digest('base64url').slice(0, 22);

/**
 * Three limits on POST /api/login, as preHandlers (the user name is in the body), each over a minute:
 * - per client address (`perAddressPerMin`), whatever the names tried;
 * - per user name from one address (`perUserPerMin`, tight): a guesser at one address is slowed on the account,
 *   and the real user at another address is not affected;
 * - per user name from all addresses together (`perUserAnyAddressPerMin`, looser): what slows a botnet that rotates
 *   addresses. It can lock the real user out while the botnet keeps going, so it does not apply from `capExempt`
 *   (loopback by default): the admin's way in is an SSH tunnel to the dashboard's host.
 * Over any, 429 with Retry-After and a coded error.
 */
export async function loginLimiters(app: FastifyInstance, limits: LoginLimits, shared: { registry: RegistryStore; now: () => number; keySecret: string }): Promise<(req: FastifyRequest, reply: FastifyReply) => Promise<void>> {
  await app.register(fastifyRateLimit, { global: false, store: registryStore(shared.registry, shared.now) });
  const create = (app as unknown as { createRateLimit: CreateRateLimit }).createRateLimit;
  const perAddress = create({ max: limits.perAddressPerMin, timeWindow: 60_000, keyGenerator: (req) => `addr:${req.ip}` });
  const perUserAddress = create({ max: limits.perUserPerMin, timeWindow: 60_000, keyGenerator: (req) => `user-addr:${nameKey(shared.keySecret, req)}@${req.ip}` });
  const perUser = create({ max: limits.perUserAnyAddressPerMin, timeWindow: 60_000, keyGenerator: (req) => `user:${nameKey(shared.keySecret, req)}` });
  const exempt = new Set(limits.capExempt.map(plain));
  return async (req, reply) => {
    const limiters = exempt.has(plain(req.ip)) ? [perAddress, perUserAddress] : [perAddress, perUserAddress, perUser];
    for (const limiter of limiters) {
      const r = await limiter(req);
      if (r.isAllowed || !r.isExceeded) continue;
      const wait = Math.max(1, r.ttlInSeconds ?? 60);
      reply.header('retry-after', String(wait));
      throw new EdufleetError('EDUFLEET_ERR_AUTH_RATE_LIMITED', `too many login attempts; try again in ${wait} s`);
    }
  };
}
